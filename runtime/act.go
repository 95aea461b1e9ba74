package runtime

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/kerago/kerago/internal/elementwise"
)

// actKind says how an activation is applied.
type actKind uint8

const (
	actLinear     actKind = iota // identity: no graph node
	actElem                      // elementwise f(x)
	actSoftmax                   // softmax along an axis
	actLogSoftmax                // log_softmax along an axis
	actSparsemax                 // sparsemax along an axis
	actGLU                       // gated linear unit: halves the axis
)

// Activation is a Keras activation function together with its derivative,
// usable as a graph op (Apply). Obtain one with ActivationByName or the
// parameterized constructors (ReLUActivation, LeakyReLUActivation, ...).
// An Activation is immutable and safe for concurrent use.
type Activation struct {
	name string // Keras name ("relu")
	id   string // name plus parameters, unique per behaviour (op identity)
	kind actKind
	axis int // for axis-wise kinds: axis of the full (batched) tensor, negative counts from the end

	f  func(x float32) float32    // elementwise value
	df func(x, y float32) float32 // elementwise derivative dy/dx given x and y=f(x)
	// Optional fast loops; when nil, f and df are mapped over the slices.
	fwd func(y, x []float32)
	bwd func(dx, x, y, dy []float32)
	// clamp: f(x) is min(max(x, lo), hi) with NaN kept (relu,
	// ReLU(max_value)), which convolution kernels can apply in registers.
	clamp  bool
	lo, hi float32
}

// Name returns the Keras name of the activation ("relu", "softmax", ...).
func (a *Activation) Name() string { return a.name }

// String returns the name with any non-default parameters.
func (a *Activation) String() string { return a.id }

// IsLinear reports whether the activation is the identity.
func (a *Activation) IsLinear() bool { return a.kind == actLinear }

// OutputShape returns the output shape for an input of the given shape
// (which may or may not include the batch dimension; only glu changes it).
func (a *Activation) OutputShape(in []int) ([]int, error) {
	out := append([]int(nil), in...)
	if a.kind != actGLU {
		return out, nil
	}
	ax, err := normAxis(a.axis, len(in))
	if err != nil {
		return nil, fmt.Errorf("activation %s: %w", a.name, err)
	}
	if in[ax]%2 != 0 {
		return nil, fmt.Errorf("activation glu: axis size must be divisible by 2, input shape %v", in)
	}
	out[ax] /= 2
	return out, nil
}

func normAxis(axis, rank int) (int, error) {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// Forward computes y = f(x) for elementwise activations.
func (a *Activation) forward(y, x []float32) {
	if a.fwd != nil {
		a.fwd(y, x)
		return
	}
	f := a.f
	y = y[:len(x)]
	for i, v := range x {
		y[i] = f(v)
	}
}

// backward computes dx = f'(x)·dy for elementwise activations.
func (a *Activation) backward(dx, x, y, dy []float32) {
	if a.bwd != nil {
		a.bwd(dx, x, y, dy)
		return
	}
	df := a.df
	dx = dx[:len(x)]
	y = y[:len(x)]
	dy = dy[:len(x)]
	for i, v := range x {
		dx[i] = df(v, y[i]) * dy[i]
	}
}

const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func softplus64(x float64) float64 {
	// numpy logaddexp(x, 0) = max(x,0) + log1p(exp(-|x|))
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func elem(name, id string, f func(x float32) float32, df func(x, y float32) float32) *Activation {
	return &Activation{name: name, id: id, kind: actElem, f: f, df: df}
}

// reluFwd is max(x, 0) with NaN propagated, as tf.nn.relu, torch.relu and
// jax.nn.relu do (NaN in, NaN out).
func reluFwd(y, x []float32) { elementwise.ReLU(y, x) } // NaN stays NaN; branch-free

// reluBwd passes dy where x is not ≤ 0 (torch's threshold_backward: a NaN
// input passes its gradient on).
func reluBwd(dx, x, _, dy []float32) { elementwise.ReLUGrad(dx, x, dy) }

// Linear is the identity activation.
var linearAct = &Activation{name: "linear", id: "linear", kind: actLinear}

// ReLUActivation returns keras.activations.relu(x, negative_slope,
// max_value, threshold) with Keras 3's exact composition (ReLU.static_call).
// maxValue < 0 means no maximum (None).
func ReLUActivation(negativeSlope, maxValue, threshold float64) *Activation {
	if negativeSlope == 0 && maxValue < 0 && threshold == 0 {
		a := elem("relu", "relu", nil, nil)
		a.fwd, a.bwd = reluFwd, reluBwd
		a.clamp, a.lo, a.hi = true, 0, float32(math.Inf(1))
		return a
	}
	id := fmt.Sprintf("relu(negative_slope=%v,max_value=%v,threshold=%v)", negativeSlope, maxValue, threshold)
	if negativeSlope != 0 && maxValue < 0 && threshold == 0 {
		return leaky("relu", id, negativeSlope)
	}
	ns := float32(negativeSlope)
	thr := float32(threshold)
	mx := float32(maxValue)
	clip := maxValue >= 0
	if clip && ns == 0 && thr == 0 {
		// ReLU(max_value) (relu6 of MobileNets): a tight loop, same values
		// as the general form below (NaN stays NaN; gradient 1 on (0, mx))
		a := elem("relu", id, nil, nil)
		a.clamp, a.lo, a.hi = true, 0, mx
		a.fwd = func(y, x []float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = min(max(v, 0), mx) // Go's float min/max keep NaN, branch-free
			}
		}
		a.bwd = func(dx, x, _, dy []float32) {
			dx = dx[:len(x)]
			for i, v := range x {
				if v > 0 && v < mx {
					dx[i] = dy[i]
				} else {
					dx[i] = 0
				}
			}
		}
		return a
	}
	f := func(x float32) float32 {
		if x != x {
			// ReLU.static_call: with a threshold, where(x > θ, x, 0) maps
			// NaN to 0; otherwise relu/clip keep NaN; a negative slope
			// adds slope·relu(−x+θ), NaN again.
			if thr != 0 && ns == 0 {
				return 0
			}
			return x
		}
		var neg float32
		if ns != 0 {
			neg = -x + thr
			if neg < 0 {
				neg = 0
			}
		}
		var v float32
		if thr != 0 {
			if x > thr {
				v = x
			}
		} else if x > 0 {
			v = x
		}
		if clip {
			if v < 0 {
				v = 0
			}
			if v > mx {
				v = mx
			}
		}
		if ns != 0 {
			v -= ns * neg
		}
		return v
	}
	df := func(x, _ float32) float32 {
		var d float32
		if thr != 0 {
			if x > thr {
				d = 1
			}
		} else if x > 0 {
			d = 1
		}
		if clip && d != 0 && x >= mx {
			d = 0
		}
		if ns != 0 && -x+thr > 0 {
			d += ns
		}
		return d
	}
	return elem("relu", id, f, df)
}

func leaky(name, id string, slope float64) *Activation {
	s := float32(slope)
	return elem(name, id,
		func(x float32) float32 {
			// numpy maximum(x, slope*x)
			if t := s * x; t > x {
				return t
			}
			return x
		},
		func(x, _ float32) float32 {
			if s*x > x {
				return s
			}
			return 1
		})
}

// LeakyReLUActivation returns max(x, slope·x) (keras leaky_relu; the
// activation string uses slope 0.2, the LeakyReLU layer 0.3 by default).
func LeakyReLUActivation(slope float64) *Activation {
	return leaky("leaky_relu", fmt.Sprintf("leaky_relu(negative_slope=%v)", slope), slope)
}

// ELUActivation returns elu(x, alpha): x if x ≥ 0, else alpha·expm1(x).
func ELUActivation(alpha float64) *Activation {
	return eluScaled("elu", fmt.Sprintf("elu(alpha=%v)", alpha), alpha, 1)
}

func eluScaled(name, id string, alpha, scale float64) *Activation {
	a32 := float32(alpha)
	s32 := float32(scale)
	return elem(name, id,
		func(x float32) float32 {
			var v float32
			if x >= 0 {
				v = x
			} else {
				v = a32 * float32(math.Expm1(float64(x)))
			}
			if scale != 1 {
				v *= s32
			}
			return v
		},
		func(x, _ float32) float32 {
			if x >= 0 {
				return s32
			}
			return float32(scale * alpha * math.Exp(float64(x)))
		})
}

// CELUActivation returns celu(x, alpha) = max(x,0) + alpha·expm1(min(x,0)/alpha).
func CELUActivation(alpha float64) *Activation {
	a32 := float32(alpha)
	return elem("celu", fmt.Sprintf("celu(alpha=%v)", alpha),
		func(x float32) float32 {
			p, n := x, x
			if p < 0 {
				p = 0
			}
			if n > 0 {
				n = 0
			}
			return p + a32*float32(math.Expm1(float64(n/a32)))
		},
		func(x, _ float32) float32 {
			if x > 0 {
				return 1
			}
			return float32(math.Exp(float64(x) / alpha))
		})
}

// ThresholdActivation returns x if x > theta, else defaultValue
// (keras.activations.threshold; ThresholdedReLU uses default 0). NaN stays
// NaN, as Keras 2's ThresholdedReLU (x·cast(x > θ)) leaves it.
func ThresholdActivation(theta, defaultValue float64) *Activation {
	t := float32(theta)
	dv := float32(defaultValue)
	return elem("threshold", fmt.Sprintf("threshold(%v,%v)", theta, defaultValue),
		func(x float32) float32 {
			if x > t || x != x {
				return x
			}
			return dv
		},
		func(x, _ float32) float32 {
			if x > t {
				return 1
			}
			return 0
		})
}

// GELUActivation returns gelu(x, approximate).
func GELUActivation(approximate bool) *Activation {
	if !approximate {
		sqrt2 := float32(math.Sqrt2)
		return elem("gelu", "gelu", func(x float32) float32 {
			e := float32(math.Erf(float64(x / sqrt2)))
			return x * (e + 1) / 2
		}, func(x, _ float32) float32 {
			xd := float64(x)
			cdf := 0.5 * (1 + math.Erf(xd/math.Sqrt2))
			pdf := math.Exp(-xd*xd/2) / math.Sqrt(2*math.Pi)
			return float32(cdf + xd*pdf)
		})
	}
	c := math.Sqrt(2 / math.Pi)
	c32 := float32(c)
	return elem("gelu", "gelu(approximate=True)", func(x float32) float32 {
		cdf := float32(0.5) * (1 + float32(math.Tanh(float64(c32*(x+float32(0.044715)*(x*x*x))))))
		return x * cdf
	}, func(x, _ float32) float32 {
		xd := float64(x)
		u := c * (xd + 0.044715*xd*xd*xd)
		t := math.Tanh(u)
		return float32(0.5*(1+t) + 0.5*xd*(1-t*t)*c*(1+3*0.044715*xd*xd))
	})
}

// SoftShrinkActivation, HardShrinkActivation: keras soft_shrink / hard_shrink.
func shrink(name string, threshold float64, soft bool) *Activation {
	t := float32(threshold)
	return elem(name, fmt.Sprintf("%s(threshold=%v)", name, threshold),
		func(x float32) float32 {
			if soft {
				switch {
				case x > t:
					return x - t
				case x < -t:
					return x + t
				}
				return 0
			}
			if x > t || -x > t {
				return x
			}
			return 0
		},
		func(x, _ float32) float32 {
			if soft {
				if x > t || x < -t {
					return 1
				}
				return 0
			}
			if x > t || -x > t {
				return 1
			}
			return 0
		})
}

// SquareplusActivation returns (x + sqrt(x² + b))/2.
func SquareplusActivation(b float64) *Activation {
	b32 := float32(b)
	return elem("squareplus", fmt.Sprintf("squareplus(b=%v)", b),
		func(x float32) float32 {
			return (x + float32(math.Sqrt(float64(x*x+b32)))) / 2
		},
		func(x, _ float32) float32 {
			xd := float64(x)
			return float32((1 + xd/math.Sqrt(xd*xd+b)) / 2)
		})
}

// AxisActivation returns softmax, log_softmax, sparsemax or glu along axis
// (an axis of the batched tensor; -1 is the last).
func AxisActivation(name string, axis int) (*Activation, error) {
	var k actKind
	switch name {
	case "softmax":
		k = actSoftmax
	case "log_softmax":
		k = actLogSoftmax
	case "sparsemax":
		k = actSparsemax
	case "glu":
		k = actGLU
	default:
		return nil, fmt.Errorf("runtime: %q is not an axis-wise activation", name)
	}
	id := name
	if axis != -1 {
		id = name + "(axis=" + strconv.Itoa(axis) + ")"
	}
	return &Activation{name: name, id: id, kind: k, axis: axis}, nil
}

func mustAxis(name string) *Activation {
	a, err := AxisActivation(name, -1)
	if err != nil {
		panic(err)
	}
	return a
}

func hardSigmoid3(x float32) float32 {
	t := x/6 + 0.5
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return 1
	}
	return t
}

func hardSigmoid3D(x float32) float32 {
	t := x/6 + 0.5
	if t <= 0 || t >= 1 {
		return 0
	}
	return 1.0 / 6
}

// activationTable builds the string activations with default arguments.
func activationTable(kerasMajor int) map[string]func() *Activation {
	m := map[string]func() *Activation{
		"linear": func() *Activation { return linearAct },
		"relu":   func() *Activation { return ReLUActivation(0, -1, 0) },
		"relu6": func() *Activation {
			a := elem("relu6", "relu6", func(x float32) float32 {
				if x < 0 {
					return 0
				}
				if x > 6 {
					return 6
				}
				return x
			}, func(x, _ float32) float32 {
				if x > 0 && x < 6 {
					return 1
				}
				return 0
			})
			a.clamp, a.lo, a.hi = true, 0, 6
			return a
		},
		"sigmoid": func() *Activation {
			return elem("sigmoid", "sigmoid", sigmoid32, func(_, y float32) float32 { return y * (1 - y) })
		},
		"tanh": func() *Activation {
			return elem("tanh", "tanh", func(x float32) float32 { return float32(math.Tanh(float64(x))) },
				func(_, y float32) float32 { return 1 - y*y })
		},
		"softmax":     func() *Activation { return mustAxis("softmax") },
		"log_softmax": func() *Activation { return mustAxis("log_softmax") },
		"sparsemax":   func() *Activation { return mustAxis("sparsemax") },
		"glu":         func() *Activation { return mustAxis("glu") },
		"elu":         func() *Activation { return eluScaled("elu", "elu", 1, 1) },
		"selu":        func() *Activation { return eluScaled("selu", "selu", seluAlpha, seluScale) },
		"softplus": func() *Activation {
			return elem("softplus", "softplus", func(x float32) float32 { return float32(softplus64(float64(x))) },
				func(x, _ float32) float32 { return sigmoid32(x) })
		},
		"softsign": func() *Activation {
			return elem("softsign", "softsign", func(x float32) float32 {
				a := x
				if a < 0 {
					a = -a
				}
				return x / (1 + a)
			}, func(x, _ float32) float32 {
				a := math.Abs(float64(x))
				return float32(1 / ((1 + a) * (1 + a)))
			})
		},
		"silu": func() *Activation {
			return elem("silu", "silu", func(x float32) float32 { return x * sigmoid32(x) },
				func(x, _ float32) float32 {
					s := 1 / (1 + math.Exp(-float64(x)))
					return float32(s + float64(x)*s*(1-s))
				})
		},
		"gelu":       func() *Activation { return GELUActivation(false) },
		"leaky_relu": func() *Activation { return leaky("leaky_relu", "leaky_relu", 0.2) },
		"hard_sigmoid": func() *Activation {
			if kerasMajor > 0 && kerasMajor < 3 {
				return elem("hard_sigmoid", "hard_sigmoid(keras2)", func(x float32) float32 {
					t := float32(0.2)*x + 0.5
					if t < 0 {
						return 0
					}
					if t > 1 {
						return 1
					}
					return t
				}, func(x, _ float32) float32 {
					t := float32(0.2)*x + 0.5
					if t <= 0 || t >= 1 {
						return 0
					}
					return 0.2
				})
			}
			return elem("hard_sigmoid", "hard_sigmoid", hardSigmoid3, func(x, _ float32) float32 { return hardSigmoid3D(x) })
		},
		"hard_silu": func() *Activation {
			return elem("hard_silu", "hard_silu", func(x float32) float32 { return x * hardSigmoid3(x) },
				func(x, _ float32) float32 { return hardSigmoid3(x) + x*hardSigmoid3D(x) })
		},
		"exponential": func() *Activation {
			return elem("exponential", "exponential", func(x float32) float32 { return float32(math.Exp(float64(x))) },
				func(_, y float32) float32 { return y })
		},
		"mish": func() *Activation {
			return elem("mish", "mish", func(x float32) float32 {
				sp := float32(softplus64(float64(x)))
				return x * float32(math.Tanh(float64(sp)))
			}, func(x, _ float32) float32 {
				xd := float64(x)
				t := math.Tanh(softplus64(xd))
				s := 1 / (1 + math.Exp(-xd))
				return float32(t + xd*(1-t*t)*s)
			})
		},
		"celu": func() *Activation { return CELUActivation(1) },
		"log_sigmoid": func() *Activation {
			return elem("log_sigmoid", "log_sigmoid", func(x float32) float32 { return -float32(softplus64(-float64(x))) },
				func(x, _ float32) float32 { return sigmoid32(-x) })
		},
		"hard_tanh": func() *Activation {
			return elem("hard_tanh", "hard_tanh", func(x float32) float32 {
				if x < -1 {
					return -1
				}
				if x > 1 {
					return 1
				}
				return x
			}, func(x, _ float32) float32 {
				if x > -1 && x < 1 {
					return 1
				}
				return 0
			})
		},
		"hard_shrink": func() *Activation { return shrink("hard_shrink", 0.5, false) },
		"soft_shrink": func() *Activation { return shrink("soft_shrink", 0.5, true) },
		"tanh_shrink": func() *Activation {
			return elem("tanh_shrink", "tanh_shrink", func(x float32) float32 { return x - float32(math.Tanh(float64(x))) },
				func(x, _ float32) float32 {
					t := math.Tanh(float64(x))
					return float32(t * t)
				})
		},
		"sparse_plus": func() *Activation {
			return elem("sparse_plus", "sparse_plus", func(x float32) float32 {
				if x <= -1 {
					return 0
				}
				if x < 1 {
					return float32(0.25 * float64(x+1) * float64(x+1))
				}
				return x
			}, func(x, _ float32) float32 {
				if x <= -1 {
					return 0
				}
				if x < 1 {
					return (x + 1) / 2
				}
				return 1
			})
		},
		"squareplus": func() *Activation { return SquareplusActivation(4) },
		"sparse_sigmoid": func() *Activation {
			return elem("sparse_sigmoid", "sparse_sigmoid", func(x float32) float32 {
				if x <= -1 {
					return 0
				}
				if x >= 1 {
					return 1
				}
				return 0.5 * (x + 1)
			}, func(x, _ float32) float32 {
				if x > -1 && x < 1 {
					return 0.5
				}
				return 0
			})
		},
	}
	m["swish"] = m["silu"]
	m["hard_swish"] = m["hard_silu"]
	return m
}

// ActivationByName returns the Keras activation with the given string name
// and default arguments: the 31 names of Keras 3 (activations.get, including
// the aliases swish and hard_swish) plus "linear"/"" for the identity.
// kerasMajor selects version-dependent definitions: with kerasMajor 1 or 2,
// hard_sigmoid is Keras 2's clip(0.2x+0.5, 0, 1); with 3 (or 0, unknown) it is
// Keras 3's relu6(x+3)/6.
func ActivationByName(name string, kerasMajor int) (*Activation, error) {
	if name == "" || name == "None" {
		return linearAct, nil
	}
	if mk, ok := activationTable(kerasMajor)[name]; ok {
		a := mk()
		if name == "swish" || name == "hard_swish" {
			// Keras reports the canonical function name.
			return a, nil
		}
		return a, nil
	}
	return nil, fmt.Errorf("runtime: unknown activation %q (known: %v)", name, ActivationNames())
}

// ActivationNames lists the activation strings ActivationByName accepts.
func ActivationNames() []string {
	var names []string
	for k := range activationTable(3) {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
