package loader

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// AlignWeights assigns stored weights to the layers of cfg the way Keras
// does, returning one slice of variables per cfg.Layers entry (empty for
// layers without variables). varCounts[i] is the number of variables config
// layer i has (the runtime knows: Dense 2 or 1 without bias, BatchNorm 4,
// ...).
//
//   - LayoutLegacy (legacy .h5): order-based over the layers that have
//     weights on both sides; the counts must match.
//   - LayoutKeras3 (.keras, .weights.h5): by group name, the snake_case class
//     name uniquified in layer order (dense, dense_1, leaky_re_lu, ...); the
//     "name" a file records for a group (Keras >= 3.6) decides when it names
//     a config layer that the class-name walk did not reach.
//   - LayoutNamed (npy directory, .npz by path): by layer name, else order.
//   - LayoutFlat: the one list is split by varCounts in order.
//
// Shapes are not checked here; the runtime compares them to its variables.
// Errors name the weights file and the layer.
func AlignWeights(cfg *ModelConfig, w *Weights, varCounts []int) ([][]*tensor.Tensor, error) {
	if cfg == nil || w == nil {
		return nil, fmt.Errorf("loader: AlignWeights needs a config and weights")
	}
	if len(varCounts) != len(cfg.Layers) {
		return nil, fmt.Errorf("loader: AlignWeights: %d variable counts for %d layers", len(varCounts), len(cfg.Layers))
	}
	for i, n := range varCounts {
		if n < 0 {
			return nil, fmt.Errorf("loader: AlignWeights: negative variable count for layer %q", cfg.Layers[i].Name)
		}
	}
	w, err := convertOldRNNWeights(cfg, w)
	if err != nil {
		return nil, err
	}
	switch w.Layout {
	case LayoutKeras3:
		return alignKeras3(cfg, w, varCounts)
	case LayoutNamed:
		if out, ok := alignByName(cfg, w, varCounts); ok {
			return out, nil
		}
		out, err := alignByOrder(cfg, w, varCounts)
		if err != nil {
			// Paths that do not name the config's layers (a nested model's
			// variables under their own layers' names, a wrapper's under
			// its inner layer's) are in get_weights() order: take them in
			// order (the caller checks every shape).
			if flat, ferr := alignFlat(cfg, w, varCounts); ferr == nil {
				return flat, nil
			}
		}
		return out, err
	case LayoutFlat:
		return alignFlat(cfg, w, varCounts)
	default:
		return alignByOrder(cfg, w, varCounts)
	}
}

func hasNested(cfg *ModelConfig) bool {
	for _, l := range cfg.Layers {
		if l.Model != nil {
			return true
		}
	}
	return false
}

func describe(l LayerConfig) string {
	return fmt.Sprintf("layer %q (%s)", l.Name, l.ClassName)
}

// alignByOrder is Keras's load_weights_from_hdf5_group: filter both sides to
// layers with weights and pair them in order.
func alignByOrder(cfg *ModelConfig, w *Weights, varCounts []int) ([][]*tensor.Tensor, error) {
	var saved []int
	for i, l := range w.Layers {
		if len(l.Arrays) > 0 {
			saved = append(saved, i)
		}
	}
	var model []int
	for i, n := range varCounts {
		if n > 0 {
			model = append(model, i)
		}
	}
	if len(saved) != len(model) {
		var sn, mn []string
		for _, i := range saved {
			sn = append(sn, w.Layers[i].Name)
		}
		for _, i := range model {
			mn = append(mn, cfg.Layers[i].Name)
		}
		return nil, Errorf(w.Path, "the file has weights for %d layers %v but the model has %d layers with weights %v", len(saved), sn, len(model), mn)
	}
	out := make([][]*tensor.Tensor, len(cfg.Layers))
	for k, mi := range model {
		sl := w.Layers[saved[k]]
		if len(sl.Arrays) != varCounts[mi] {
			return nil, Errorf(w.Path, "%s expects %d variables, but the file's layer %q (its number %d with weights) holds %d %v", describe(cfg.Layers[mi]), varCounts[mi], sl.Name, k+1, len(sl.Arrays), sl.VarNames)
		}
		out[mi] = sl.Arrays
	}
	return out, nil
}

// alignByName pairs each config layer with variables with the stored layer
// of the same name; ok is false when some name is missing or a stored layer
// with weights is left over.
func alignByName(cfg *ModelConfig, w *Weights, varCounts []int) ([][]*tensor.Tensor, bool) {
	byName := map[string]int{}
	for i, l := range w.Layers {
		if _, dup := byName[l.Name]; dup {
			return nil, false
		}
		byName[l.Name] = i
	}
	out := make([][]*tensor.Tensor, len(cfg.Layers))
	used := 0
	for i, l := range cfg.Layers {
		if varCounts[i] == 0 {
			continue
		}
		j, ok := byName[l.Name]
		if !ok || len(w.Layers[j].Arrays) != varCounts[i] {
			return nil, false
		}
		out[i] = w.Layers[j].Arrays
		used++
	}
	withWeights := 0
	for _, l := range w.Layers {
		if len(l.Arrays) > 0 {
			withWeights++
		}
	}
	return out, used == withWeights
}

func alignFlat(cfg *ModelConfig, w *Weights, varCounts []int) ([][]*tensor.Tensor, error) {
	var all []*tensor.Tensor
	for _, l := range w.Layers {
		all = append(all, l.Arrays...)
	}
	total := 0
	for _, n := range varCounts {
		total += n
	}
	if total != len(all) {
		return nil, Errorf(w.Path, "the file holds %d arrays but the model has %d variables", len(all), total)
	}
	out := make([][]*tensor.Tensor, len(cfg.Layers))
	k := 0
	for i, n := range varCounts {
		if n > 0 {
			out[i] = all[k : k+n : k+n]
			k += n
		}
	}
	return out, nil
}

var (
	snakeRe1 = regexp.MustCompile(`\W+`)
	snakeRe2 = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	snakeRe3 = regexp.MustCompile(`([a-z])([A-Z])`)
)

// SnakeCase converts a class name the way Keras's naming.to_snake_case
// does: "Dense" → "dense", "LeakyReLU" → "leaky_re_lu", "RMSprop" →
// "rm_sprop".
func SnakeCase(name string) string {
	name = snakeRe1.ReplaceAllString(name, "")
	name = snakeRe2.ReplaceAllString(name, "${1}_${2}")
	name = snakeRe3.ReplaceAllString(name, "${1}_${2}")
	return strings.ToLower(name)
}

// Keras3GroupNames returns the group names Keras 3 gives the layers of cfg
// in model.weights.h5: snake_case class names uniquified in order.
func Keras3GroupNames(cfg *ModelConfig) []string {
	used := map[string]int{}
	out := make([]string, len(cfg.Layers))
	for i, l := range cfg.Layers {
		n := SnakeCase(l.ClassName)
		if c, ok := used[n]; ok {
			used[n] = c + 1
			n = fmt.Sprintf("%s_%d", n, c+1)
		} else {
			used[n] = 0
		}
		out[i] = n
	}
	return out
}

// matchKeras3 finds each config layer's group in a Keras 3 weights file:
// the index into w.Layers, or -1 when the file has no group for it.
func matchKeras3(cfg *ModelConfig, w *Weights) []int {
	byGroup := map[string]int{}
	bySaved := map[string][]int{}
	for i, l := range w.Layers {
		byGroup[l.Name] = i
		if l.SavedName != "" {
			bySaved[l.SavedName] = append(bySaved[l.SavedName], i)
		}
	}
	groups := Keras3GroupNames(cfg)
	out := make([]int, len(cfg.Layers))
	used := map[int]bool{}
	for i, l := range cfg.Layers {
		j, ok := byGroup[groups[i]]
		if ok && used[j] {
			ok = false
		}
		if ok && w.Layers[j].SavedName != "" && w.Layers[j].SavedName != l.Name {
			// The group the class-name walk reaches was saved from another
			// layer; prefer the group that records this layer's name.
			if c := bySaved[l.Name]; len(c) == 1 && !used[c[0]] {
				j = c[0]
			}
		}
		if !ok {
			if c := bySaved[l.Name]; len(c) == 1 && !used[c[0]] {
				j, ok = c[0], true
			}
		}
		out[i] = -1
		if ok {
			out[i] = j
			used[j] = true
		}
	}
	return out
}

// NestedWeights returns the stored weights of the nested model that is
// layer i of cfg: the groups below its own group in a Keras 3 file. It is
// nil when w is not in the Keras 3 layout or holds no such group.
func NestedWeights(cfg *ModelConfig, w *Weights, i int) *Weights {
	if w == nil || w.Layout != LayoutKeras3 || i < 0 || i >= len(cfg.Layers) {
		return nil
	}
	j := matchKeras3(cfg, w)[i]
	if j < 0 {
		return nil
	}
	return w.Layers[j].Nested(w.Path)
}

func alignKeras3(cfg *ModelConfig, w *Weights, varCounts []int) ([][]*tensor.Tensor, error) {
	groups := Keras3GroupNames(cfg)
	match := matchKeras3(cfg, w)
	out := make([][]*tensor.Tensor, len(cfg.Layers))
	used := map[int]bool{}
	for i, l := range cfg.Layers {
		j := match[i]
		if j < 0 {
			if varCounts[i] == 0 || l.Model != nil {
				continue
			}
			return nil, Errorf(w.Path, "%s has %d variables but the file has no group layers/%s", describe(l), varCounts[i], groups[i])
		}
		used[j] = true
		if l.Model != nil {
			continue // its variables live below its group (NestedWeights)
		}
		sl := w.Layers[j]
		sl.Arrays = keras3LayerArrays(&sl)
		if len(sl.Arrays) != varCounts[i] {
			return nil, Errorf(w.Path, "%s expects %d variables, but group layers/%s holds %d", describe(l), varCounts[i], sl.Name, len(sl.Arrays))
		}
		if varCounts[i] > 0 {
			out[i] = sl.Arrays
		}
	}
	for j, l := range w.Layers {
		if !used[j] && len(l.Arrays) > 0 {
			return nil, Errorf(w.Path, "group layers/%s holds %d variables that no layer of the config uses", l.Name, len(l.Arrays))
		}
	}
	return out, nil
}
