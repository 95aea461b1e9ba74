package translate

// The AST of the Python subset. Every node records the line it starts on.

// Expr is a Python expression.
type Expr interface{ exprLine() int }

type (
	// Name is an identifier.
	Name struct {
		Line int
		ID   string
	}
	// Num is a number literal as written (IsFloat for floats).
	Num struct {
		Line    int
		Text    string
		IsFloat bool
		Imag    bool
	}
	// Str is a string literal (adjacent literals concatenated). F marks an
	// f-string, whose Value is the raw template.
	Str struct {
		Line  int
		Value string
		F     bool
		Bytes bool
	}
	// Const is True, False, None or ... (Ellipsis).
	Const struct {
		Line  int
		Value string
	}
	// ListExpr is [a, b].
	ListExpr struct {
		Line  int
		Elts  []Expr
		Lines []int // line of each element
	}
	// TupleExpr is (a, b) or a, b.
	TupleExpr struct {
		Line int
		Elts []Expr
	}
	// SetExpr is {a, b}.
	SetExpr struct {
		Line int
		Elts []Expr
	}
	// DictExpr is {k: v}.
	DictExpr struct {
		Line   int
		Keys   []Expr // nil key for **spread
		Values []Expr
	}
	// Attr is x.name.
	Attr struct {
		Line  int
		Value Expr
		Attr  string
	}
	// Subscript is x[index]; several indices form a TupleExpr.
	Subscript struct {
		Line  int
		Value Expr
		Index Expr
	}
	// Slice is lo:hi:step inside a subscript; absent parts are nil.
	Slice struct {
		Line         int
		Lo, Hi, Step Expr
		HasStepColon bool
	}
	// Call is f(args, k=v).
	Call struct {
		Line     int
		Func     Expr
		Args     []Expr
		Keywords []Keyword
		ArgLines []int // line of each positional argument
	}
	// Starred is *x or **x in a call or a literal.
	Starred struct {
		Line   int
		Value  Expr
		Double bool
	}
	// UnaryOp is -x, +x, ~x, not x.
	UnaryOp struct {
		Line int
		Op   string
		X    Expr
	}
	// BinOp is x op y for arithmetic and bitwise operators.
	BinOp struct {
		Line int
		Op   string
		X, Y Expr
	}
	// BoolOp is x and y / x or y.
	BoolOp struct {
		Line int
		Op   string
		X, Y Expr
	}
	// Compare is a chain x op1 y op2 z.
	Compare struct {
		Line  int
		X     Expr
		Ops   []string
		Comps []Expr
	}
	// IfExp is a if cond else b.
	IfExp struct {
		Line             int
		Body, Cond, Else Expr
	}
	// Lambda is lambda params: body.
	Lambda struct {
		Line   int
		Params []Param
		Body   Expr
	}
	// Comp is a list/set/dict comprehension or generator expression; it is
	// parsed so that it can be reported, not translated.
	Comp struct {
		Line int
		Kind string // "list", "set", "dict", "generator"
	}
	// NamedExpr is x := v.
	NamedExpr struct {
		Line   int
		Target Expr
		Value  Expr
	}
)

// Keyword is k=v in a call (Name empty for **kwargs).
type Keyword struct {
	Line  int
	Name  string
	Value Expr
}

// Param is a function or lambda parameter.
type Param struct {
	Name    string
	Default Expr // nil if none
	Star    string
}

func (e *Name) exprLine() int      { return e.Line }
func (e *Num) exprLine() int       { return e.Line }
func (e *Str) exprLine() int       { return e.Line }
func (e *Const) exprLine() int     { return e.Line }
func (e *ListExpr) exprLine() int  { return e.Line }
func (e *TupleExpr) exprLine() int { return e.Line }
func (e *SetExpr) exprLine() int   { return e.Line }
func (e *DictExpr) exprLine() int  { return e.Line }
func (e *Attr) exprLine() int      { return e.Line }
func (e *Subscript) exprLine() int { return e.Line }
func (e *Slice) exprLine() int     { return e.Line }
func (e *Call) exprLine() int      { return e.Line }
func (e *Starred) exprLine() int   { return e.Line }
func (e *UnaryOp) exprLine() int   { return e.Line }
func (e *BinOp) exprLine() int     { return e.Line }
func (e *BoolOp) exprLine() int    { return e.Line }
func (e *Compare) exprLine() int   { return e.Line }
func (e *IfExp) exprLine() int     { return e.Line }
func (e *Lambda) exprLine() int    { return e.Line }
func (e *Comp) exprLine() int      { return e.Line }
func (e *NamedExpr) exprLine() int { return e.Line }

// Stmt is a Python statement. Line and EndLine span its source lines
// (a compound statement's header only; its body has its own statements).
type Stmt interface{ span() (int, int) }

// Pos is the line span of a statement.
type Pos struct{ Line, EndLine int }

func (p Pos) span() (int, int) { return p.Line, p.EndLine }

type (
	// ImportStmt is import a.b as c, d.
	ImportStmt struct {
		Pos
		Names []ImportName
	}
	// FromImportStmt is from a.b import c as d, e (Module has leading dots
	// for relative imports; Names is nil for *).
	FromImportStmt struct {
		Pos
		Module string
		Names  []ImportName
	}
	// AssignStmt is t1 = t2 = value (one or more targets).
	AssignStmt struct {
		Pos
		Targets []Expr
		Value   Expr
	}
	// AugAssignStmt is t op= value.
	AugAssignStmt struct {
		Pos
		Target Expr
		Op     string // "+", "-", ...
		Value  Expr
	}
	// AnnAssignStmt is t: annotation = value.
	AnnAssignStmt struct {
		Pos
		Target Expr
		Value  Expr // nil if only annotated
	}
	// ExprStmt is an expression used as a statement.
	ExprStmt struct {
		Pos
		X Expr
	}
	// SimpleStmt is pass, break, continue, global, nonlocal, del, assert,
	// raise (Keyword), kept with its source for the translator.
	SimpleStmt struct {
		Pos
		Keyword string
		Exprs   []Expr
	}
	// ReturnStmt is return [value].
	ReturnStmt struct {
		Pos
		Value Expr
	}
	// IfStmt is if/elif/else; elif chains nest in Else.
	IfStmt struct {
		Pos
		Cond     Expr
		Body     []Stmt
		Else     []Stmt
		ElseLine int // line of "else:" (0 if none or elif)
	}
	// ForStmt is for target in iter: body [else].
	ForStmt struct {
		Pos
		Target Expr
		Iter   Expr
		Body   []Stmt
		Else   []Stmt
	}
	// WhileStmt is while cond: body.
	WhileStmt struct {
		Pos
		Cond Expr
		Body []Stmt
		Else []Stmt
	}
	// WithStmt is with item [as target], ...: body.
	WithStmt struct {
		Pos
		Items []WithItem
		Body  []Stmt
	}
	// DefStmt is def name(params): body (Decorators hold @ lines).
	DefStmt struct {
		Pos
		Name       string
		Params     []Param
		Body       []Stmt
		Decorators []Expr
		BodyEnd    int
	}
	// ClassStmt is class Name(bases): body.
	ClassStmt struct {
		Pos
		Name       string
		Bases      []Expr
		Body       []Stmt
		Decorators []Expr
		BodyEnd    int
	}
	// TryStmt is try/except/else/finally; clauses are kept as blocks.
	TryStmt struct {
		Pos
		Body    []Stmt
		Clauses []Clause
	}
	// BadStmt is a statement the parser could not read (outside the
	// subset); Err says why.
	BadStmt struct {
		Pos
		Err string
	}
)

// ImportName is one name of an import with its alias.
type ImportName struct {
	Name  string
	Alias string
}

// WithItem is one context manager of a with statement.
type WithItem struct {
	Ctx    Expr
	Target Expr
}

// Clause is an except/else/finally clause of a try statement.
type Clause struct {
	Line int
	Kind string
	Body []Stmt
}

// Module is a parsed script: its statements and its source lines
// (Lines[0] is line 1). Comments are kept for the translator.
type Module struct {
	Body     []Stmt
	Lines    []string
	comments []comment
}
