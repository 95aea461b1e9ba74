package hdf5

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Group is an HDF5 group. Obtain one from File.Root or Group.Group.
type Group struct {
	f    *File
	path string
	addr uint64

	mu  sync.Mutex
	hdr *objHeader
}

// link is one entry of a group.
type link struct {
	name      string
	corder    int64
	hasCorder bool
	typ       int // 0 hard, 1 soft, 64 external
	addr      uint64
	target    string
}

// Path returns the absolute path of the group, "/" for the root.
func (g *Group) Path() string { return g.path }

func (g *Group) header() (*objHeader, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hdr != nil {
		return g.hdr, nil
	}
	h, err := g.f.objHeader(g.addr)
	if err != nil {
		return nil, withPath(g.path, err)
	}
	if h.kind() != KindGroup {
		return nil, withPath(g.path, errf(h.off, "object is a %s, not a group", h.kind()))
	}
	g.hdr = h
	return h, nil
}

// objHeader returns the object header at addr, from the per-file cache if possible.
func (f *File) objHeader(addr uint64) (*objHeader, error) {
	f.mu.Lock()
	h, ok := f.hdrs[addr]
	f.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := f.readObjHeader(addr)
	if err != nil {
		return nil, err
	}
	size := h.size + 64*int64(len(h.msgs))
	f.mu.Lock()
	if f.hdrs == nil {
		f.hdrs = map[uint64]*objHeader{}
	}
	if f.hdrBytes+size <= hdrCacheBudget {
		f.hdrs[addr] = h
		f.hdrBytes += size
	}
	f.mu.Unlock()
	return h, nil
}

// linkTable is the parsed link list of one group, with a name index.
type linkTable struct {
	links []link
	byNm  map[string]int
}

// getLinks loads the links of the group (cached per file by group address).
func (g *Group) getLinks() ([]link, map[string]int, error) {
	h, err := g.header()
	if err != nil {
		return nil, nil, err
	}
	f := g.f
	f.mu.Lock()
	lt, ok := f.linkTabs[g.addr]
	f.mu.Unlock()
	if ok {
		return lt.links, lt.byNm, nil
	}
	links, err := f.readLinks(h)
	if err != nil {
		return nil, nil, withPath(g.path, err)
	}
	byNm := make(map[string]int, len(links))
	size := int64(0)
	for i, l := range links {
		if _, dup := byNm[l.name]; dup {
			return nil, nil, withPath(g.path, errf(h.off, "duplicate link name %q", l.name))
		}
		byNm[l.name] = i
		size += int64(len(l.name)+len(l.target)) + 96
	}
	f.mu.Lock()
	if f.linkTabs == nil {
		f.linkTabs = map[uint64]*linkTable{}
	}
	if f.linkBytes+size <= linkCacheBudget {
		f.linkTabs[g.addr] = &linkTable{links, byNm}
		f.linkBytes += size
	}
	f.mu.Unlock()
	return links, byNm, nil
}

func (f *File) readLinks(h *objHeader) ([]link, error) {
	var links []link
	nameBytes := int64(0)
	tracked := false
	st, err := h.find(msgSymbolTable)
	if err != nil {
		return nil, err
	}
	if st != nil {
		d := f.newDec(st.data, st.off, "symbol table message")
		bt := d.addr()
		hp := d.addr()
		if d.err != nil {
			return nil, d.err
		}
		links, err = f.symbolTableLinks(bt, hp)
		if err != nil {
			return nil, err
		}
	}
	li, err := h.find(msgLinkInfo)
	if err != nil {
		return nil, err
	}
	if li != nil {
		heapAddr, nameBT, tr, err := f.indexInfo(li, "link info message", 8)
		if err != nil {
			return nil, err
		}
		tracked = tracked || tr
		if !f.undef(heapAddr) && !f.undef(nameBT) {
			heap, err := f.readFractalHeap(heapAddr)
			if err != nil {
				return nil, err
			}
			err = f.btree2Walk(nameBT, 5, func(rec []byte, off int64) error {
				if len(rec) < 5 {
					return errf(off, "link name record too short")
				}
				data, err := heap.get(rec[4:])
				if err != nil {
					return err
				}
				l, err := f.parseLink(data, off)
				if err != nil {
					return err
				}
				links = append(links, l)
				nameBytes += int64(len(data))
				if nameBytes > f.size {
					return errf(off, "link messages of the group exceed the file size (overlapping heap objects)")
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for _, m := range h.msgs {
		if m.typ != msgLink {
			continue
		}
		if m.flags&0x02 != 0 {
			return nil, unsupported(m.off, "shared link message")
		}
		l, err := f.parseLink(m.data, m.off)
		if err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	byCorder := tracked
	for _, l := range links {
		if !l.hasCorder {
			byCorder = false
		}
	}
	if byCorder {
		sort.SliceStable(links, func(i, j int) bool { return links[i].corder < links[j].corder })
	} else {
		sort.SliceStable(links, func(i, j int) bool { return links[i].name < links[j].name })
	}
	return links, nil
}

func (f *File) symbolTableLinks(btAddr, heapAddr uint64) ([]link, error) {
	heap, err := f.readLocalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var links []link
	nameBytes := int64(0)
	entSize := 2*f.offSize + 24
	err = f.btree1Walk(btAddr, 0, 0, func(_ []byte, _ int64, child uint64) error {
		hb, off, err := f.read(child, 8, "symbol table node")
		if err != nil {
			return err
		}
		d := f.newDec(hb, off, "symbol table node")
		d.signature("SNOD")
		if v := d.u8(); d.err == nil && v != 1 {
			return unsupported(off+4, "symbol table node version %d", v)
		}
		d.u8()
		n := int(d.u16())
		if d.err != nil {
			return d.err
		}
		b, boff, err := f.read(child+8, int64(n*entSize), "symbol table entries")
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			e := f.newDec(b[i*entSize:(i+1)*entSize], boff+int64(i*entSize), "symbol table entry")
			nameOff := e.addr()
			objAddr := e.addr()
			cache := e.u32()
			e.u32()
			scratch := e.bytes(16)
			name, err := heap.str(nameOff)
			if err != nil {
				return err
			}
			l := link{name: name, addr: objAddr}
			if cache == 2 {
				l.typ = 1
				to := uint64(scratch[0]) | uint64(scratch[1])<<8 | uint64(scratch[2])<<16 | uint64(scratch[3])<<24
				if l.target, err = heap.str(to); err != nil {
					return err
				}
			}
			links = append(links, l)
			nameBytes += int64(len(l.name) + len(l.target))
		}
		if nameBytes > f.size {
			return errf(off, "symbol table names exceed the file size (overlapping heap strings)")
		}
		return nil
	})
	return links, err
}

// parseLink decodes a link message.
func (f *File) parseLink(b []byte, off int64) (link, error) {
	var l link
	d := f.newDec(b, off, "link message")
	if v := d.u8(); d.err == nil && v != 1 {
		return l, unsupported(off, "link message version %d", v)
	}
	fl := d.u8()
	if fl&0x08 != 0 {
		l.typ = int(d.u8())
	}
	if fl&0x04 != 0 {
		l.corder = int64(d.u64())
		l.hasCorder = true
	}
	if fl&0x10 != 0 {
		d.u8()
	}
	n := d.uN(1 << (fl & 3))
	if n == 0 || n > uint64(d.remaining()) {
		if d.err != nil {
			return l, d.err
		}
		return l, errf(off, "link name length %d invalid", n)
	}
	l.name = string(d.bytes(int(n)))
	switch l.typ {
	case 0:
		l.addr = d.addr()
	default:
		m := int(d.u16())
		l.target = string(d.bytes(m))
	}
	if d.err != nil {
		return l, d.err
	}
	return l, nil
}

// Members returns the names of the group's links: in creation order if the
// group tracks it, else in name (byte) order, as h5py lists them.
func (g *Group) Members() ([]string, error) {
	links, _, err := g.getLinks()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.name
	}
	return out, nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// resolve follows a relative (or absolute, with a leading "/") path to an
// object address, following hard and soft links.
func (g *Group) resolve(path string, hops int) (uint64, string, error) {
	if hops > maxLinkHops {
		return 0, "", fmt.Errorf("hdf5: %s: more than %d soft links followed for %q", g.path, maxLinkHops, path)
	}
	cur := g
	if strings.HasPrefix(path, "/") {
		cur = g.f.Root()
	}
	parts := strings.Split(path, "/")
	var comps []string
	for _, p := range parts {
		if p != "" && p != "." {
			comps = append(comps, p)
		}
	}
	if len(comps) == 0 {
		return cur.addr, cur.path, nil
	}
	for i, name := range comps {
		links, byNm, err := cur.getLinks()
		if err != nil {
			return 0, "", err
		}
		idx, ok := byNm[name]
		if !ok {
			return 0, "", fmt.Errorf("%w: %q in group %q", ErrNotFound, name, cur.path)
		}
		l := links[idx]
		addr := l.addr
		p := joinPath(cur.path, name)
		switch l.typ {
		case 0:
		case 1:
			a, _, err := cur.resolve(l.target, hops+1)
			if err != nil {
				return 0, "", fmt.Errorf("hdf5: %s: soft link to %q: %w", p, l.target, err)
			}
			addr = a
		default:
			return 0, "", &FormatError{Msg: fmt.Sprintf("%s: link type %d (external or user-defined) to %q", p, l.typ, l.target), Err: ErrUnsupported}
		}
		if i == len(comps)-1 {
			return addr, p, nil
		}
		cur = &Group{f: g.f, path: p, addr: addr}
	}
	return 0, "", nil // unreachable
}

// Group returns the group at a path relative to g ("a/b" for nested groups; a
// leading "/" starts at the root).
func (g *Group) Group(path string) (*Group, error) {
	addr, p, err := g.resolve(path, 0)
	if err != nil {
		return nil, err
	}
	ng := &Group{f: g.f, path: p, addr: addr}
	if _, err := ng.header(); err != nil {
		return nil, err
	}
	return ng, nil
}

// Dataset returns the dataset at a path relative to g.
func (g *Group) Dataset(path string) (*Dataset, error) {
	addr, p, err := g.resolve(path, 0)
	if err != nil {
		return nil, err
	}
	h, err := g.f.objHeader(addr)
	if err != nil {
		return nil, withPath(p, err)
	}
	if h.kind() != KindDataset {
		return nil, withPath(p, errf(h.off, "object is a %s, not a dataset", h.kind()))
	}
	ds, err := g.f.newDataset(p, h)
	if err != nil {
		return nil, withPath(p, err)
	}
	return ds, nil
}

// Kind reports whether the member at path (relative to g) is a group or a
// dataset. A missing member gives an error wrapping ErrNotFound.
func (g *Group) Kind(path string) (Kind, error) {
	addr, p, err := g.resolve(path, 0)
	if err != nil {
		return KindOther, err
	}
	h, err := g.f.objHeader(addr)
	if err != nil {
		return KindOther, withPath(p, err)
	}
	return h.kind(), nil
}

// Attrs returns all attributes of the group, in creation order if tracked,
// else in name order.
func (g *Group) Attrs() ([]*Attribute, error) {
	h, err := g.header()
	if err != nil {
		return nil, err
	}
	a, err := g.f.attrs(h)
	return a, withPath(g.path, err)
}

// Attr returns the named attribute; the error wraps ErrNotFound when absent.
func (g *Group) Attr(name string) (*Attribute, error) {
	h, err := g.header()
	if err != nil {
		return nil, err
	}
	return g.f.attr(h, g.path, name)
}
