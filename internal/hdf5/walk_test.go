package hdf5

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// walk visits every group, dataset and attribute reachable from g, reading
// all values. It writes a textual dump to w (if non-nil) and returns the
// first error. visited guards against hard-link cycles.
func walk(g *Group, w io.Writer, visited map[uint64]bool, budget *int) error {
	if visited[g.addr] {
		return nil
	}
	visited[g.addr] = true
	if err := dumpAttrs(w, g.Path(), g.Attrs); err != nil {
		return err
	}
	names, err := g.Members()
	if err != nil {
		return err
	}
	for _, name := range names {
		*budget--
		if *budget < 0 {
			return errors.New("walk budget exhausted")
		}
		k, err := g.Kind(name)
		if err != nil {
			return err
		}
		switch k {
		case KindGroup:
			sub, err := g.Group(name)
			if err != nil {
				return err
			}
			if w != nil {
				fmt.Fprintf(w, "G %s\n", sub.Path())
			}
			if err := walk(sub, w, visited, budget); err != nil {
				return err
			}
		case KindDataset:
			ds, err := g.Dataset(name)
			if err != nil {
				return err
			}
			if err := dumpDataset(w, ds); err != nil {
				return err
			}
		default:
			if w != nil {
				fmt.Fprintf(w, "? %s\n", joinPath(g.Path(), name))
			}
		}
	}
	return nil
}

func dumpAttrs(w io.Writer, path string, get func() ([]*Attribute, error)) error {
	attrs, err := get()
	if err != nil {
		return err
	}
	for _, a := range attrs {
		var v any
		switch a.DType() {
		case String:
			v, err = a.Strings()
		case Unknown:
			v = "<unknown>"
		default:
			v, err = a.Float64s()
		}
		if err != nil {
			return err
		}
		if w != nil {
			s := fmt.Sprint(v)
			if len(s) > 200 {
				s = s[:200] + "..."
			}
			fmt.Fprintf(w, "A %s@%s %s %v = %s\n", path, a.Name, a.DType(), a.Shape(), strings.ReplaceAll(s, "\n", " "))
		}
	}
	return nil
}

func dumpDataset(w io.Writer, ds *Dataset) error {
	var v any
	var err error
	if ds.Len() > 1<<22 {
		// keep fuzzing fast: hostile inputs may describe huge (fill-value) datasets
		if w != nil {
			fmt.Fprintf(w, "D %s %s %v (not read)\n", ds.Path(), ds.DType(), ds.Shape())
		}
		return dumpAttrs(w, ds.Path(), ds.Attrs)
	}
	switch ds.DType() {
	case String:
		v, err = ds.ReadStrings()
	case Unknown:
		v = "<unknown>"
	default:
		var x []float64
		x, err = ds.ReadFloat64()
		if len(x) > 6 {
			x = x[:6]
		}
		v = x
	}
	if err != nil {
		return err
	}
	if w != nil {
		fmt.Fprintf(w, "D %s %s %v = %v\n", ds.Path(), ds.DType(), ds.Shape(), v)
	}
	return dumpAttrs(w, ds.Path(), ds.Attrs)
}
