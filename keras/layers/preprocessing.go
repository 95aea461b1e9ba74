package layers

import (
	"fmt"

	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// Image preprocessing layers (spec keras-layers.md §4.3, §4.4): Rescaling,
// Resizing, CenterCrop and the random augmentation layers, which are
// identities at inference.

// ---------------------------------------------------------------------------
// Rescaling

// RescalingLayer is keras.layers.Rescaling: y = x·scale + offset, with
// scale and offset numbers or arrays broadcast against the batched input.
type RescalingLayer struct {
	base
	scale, offset           []float64
	scaleShape, offsetShape []int // nil for a number
}

// Rescaling returns keras.layers.Rescaling(scale, offset).
func Rescaling(scale, offset float64, opts ...Option) *RescalingLayer {
	return RescalingArrays([]float64{scale}, nil, []float64{offset}, nil, opts...)
}

// RescalingArrays returns keras.layers.Rescaling with array scale and/or
// offset: values in row-major order and their shapes (nil shape: a number).
func RescalingArrays(scale []float64, scaleShape []int, offset []float64, offsetShape []int, opts ...Option) *RescalingLayer {
	o := collect(opts)
	l := &RescalingLayer{base: newBase("Rescaling", o), scale: append([]float64(nil), scale...), offset: append([]float64(nil), offset...),
		scaleShape: append([]int(nil), scaleShape...), offsetShape: append([]int(nil), offsetShape...)}
	if len(scale) != prod(scaleShape) || len(offset) != prod(offsetShape) {
		l.err = fmt.Errorf("scale has %d values for shape %v, offset %d for shape %v", len(scale), scaleShape, len(offset), offsetShape)
	}
	if e := o.check("Rescaling"); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// Build checks that scale and offset broadcast against the input.
func (l *RescalingLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	batched := append([]int{1}, in...)
	for _, s := range [][]int{l.scaleShape, l.offsetShape} {
		if !broadcastsTo(s, batched) {
			return l.errorf("scale shape %v / offset shape %v do not broadcast to inputs of shape %v", l.scaleShape, l.offsetShape, append([]int{-1}, in...))
		}
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), append([]int(nil), in...), true
	return nil
}

// broadcastsTo reports whether numpy broadcasting of small against the
// batched shape full (full[0], the batch, unknown) gives full.
func broadcastsTo(small, full []int) bool {
	if len(small) > len(full) {
		return false
	}
	off := len(full) - len(small)
	for i, d := range small {
		if d != 1 && (off+i == 0 || d != full[off+i]) {
			return false
		}
	}
	return true
}

// Emit scales and shifts.
func (l *RescalingLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	y, err := g.Rescale(x, f32s(l.scale), l.scaleShape, f32s(l.offset), l.offsetShape)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// Config returns Keras 3's Rescaling config (arrays as Keras serializes
// numpy arrays).
func (l *RescalingLayer) Config() map[string]any {
	c := l.baseConfig()
	c["scale"] = arrayConfig(l.scale, l.scaleShape)
	c["offset"] = arrayConfig(l.offset, l.offsetShape)
	return c
}

func arrayConfig(v []float64, shape []int) any {
	if shape == nil {
		return v[0]
	}
	return map[string]any{"class_name": "__numpy__", "config": map[string]any{"value": nestFloats(v, shape), "dtype": "float32"}}
}

// arrayFromConfig reads a number, nested lists, or a serialized numpy array
// or tensor ({"class_name": "__numpy__", "config": {"value": ...}}).
func (r *cfgReader) array(key string, def float64) ([]float64, []int) {
	if !r.has(key) {
		return []float64{def}, nil
	}
	if m, ok := r.c[key].(map[string]any); ok {
		cfg, _ := m["config"].(map[string]any)
		if cfg == nil || (m["class_name"] != "__numpy__" && m["class_name"] != "__tensor__") {
			r.fail(key, r.c[key], "a number or an array")
			return []float64{def}, nil
		}
		sub := &cfgReader{class: r.class, name: r.name, c: map[string]any{key: cfg["value"]}}
		v, s := sub.floats(key)
		if sub.err != nil && r.err == nil {
			r.err = sub.err
		}
		if s == nil && v != nil {
			s = []int{}
		}
		return v, s
	}
	v, s := r.floats(key)
	if v == nil {
		return []float64{def}, nil
	}
	return v, s
}

// ---------------------------------------------------------------------------
// Resizing and CenterCrop

// ResizeLayer is keras.layers.Resizing or keras.layers.CenterCrop.
type ResizeLayer struct {
	base
	height, width int
	interp        string
	crop, pad     bool
	fillMode      string
	fillValue     float64
	antialias     bool
	first         bool
}

// ResizingOptions are Resizing's options beyond the size.
type ResizingOptions struct {
	Interpolation     string // "bilinear" (default), "nearest" or "bicubic"
	CropToAspectRatio bool
	PadToAspectRatio  bool
	FillMode          string // "constant" (default; the only mode Keras pads with)
	FillValue         float64
	Antialias         bool
}

// Resizing returns keras.layers.Resizing(height, width, ...).
func Resizing(height, width int, ro ResizingOptions, opts ...Option) *ResizeLayer {
	o := collect(opts)
	l := &ResizeLayer{base: newBase("Resizing", o), height: height, width: width, interp: ro.Interpolation,
		crop: ro.CropToAspectRatio, pad: ro.PadToAspectRatio, fillMode: ro.FillMode, fillValue: ro.FillValue, antialias: ro.Antialias}
	if l.interp == "" {
		l.interp = "bilinear"
	}
	if l.fillMode == "" {
		l.fillMode = "constant"
	}
	l.setup(o)
	switch {
	case l.err != nil:
	case l.interp != "nearest" && l.interp != "bilinear" && l.interp != "bicubic":
		l.err = fmt.Errorf("interpolation %q is not supported (kerago resizes with nearest, bilinear or bicubic): %w", l.interp, loader.ErrUnsupported)
	case l.crop && l.pad:
		l.err = fmt.Errorf("crop_to_aspect_ratio and pad_to_aspect_ratio are both set")
	case l.pad && l.fillMode != "constant":
		l.err = fmt.Errorf("fill_mode %q, want constant", l.fillMode)
	}
	return l
}

// CenterCrop returns keras.layers.CenterCrop(height, width).
func CenterCrop(height, width int, opts ...Option) *ResizeLayer {
	o := collect(opts)
	l := &ResizeLayer{base: newBase("CenterCrop", o), height: height, width: width, interp: "bilinear"}
	l.setup(o)
	return l
}

func (l *ResizeLayer) setup(o *options) {
	var err error
	if l.first, err = channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
		l.err = err
	}
	if l.height <= 0 || l.width <= 0 {
		l.err = fmt.Errorf("size %dx%d, want positive height and width", l.height, l.width)
	}
	if e := o.check(l.class, "data_format"); e != nil && l.err == nil {
		l.err = e
	}
}

// Build computes (height, width, channels).
func (l *ResizeLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != 3 {
		return l.errorf("needs images of per-sample shape (height, width, channels), got %v", in)
	}
	sh := lastShape(in, l.first)
	if !smallImage(l.height, l.width, sh[2]) {
		return l.errorf("output %dx%dx%d exceeds kerago's limit of %d values per image", l.height, l.width, sh[2], maxImageValues)
	}
	if l.pad {
		if ph, pw, _, _ := aspectPad(sh[0], sh[1], l.height, l.width); !smallImage(ph, pw, sh[2]) {
			return l.errorf("padding %v to the aspect ratio of %dx%d gives %dx%d, over kerago's limit of %d values per image", in, l.height, l.width, ph, pw, maxImageValues)
		}
	}
	out := firstShape([]int{l.height, l.width, sh[2]}, l.first)
	l.inShape, l.outShape, l.built = append([]int(nil), in...), out, true
	return nil
}

// maxImageValues bounds the values of one resized or padded image (1 GiB
// of float32), so that a hostile config cannot exhaust memory.
const maxImageValues = 1 << 28

// smallImage reports h·w·c ≤ maxImageValues without overflowing.
func smallImage(h, w, c int) bool {
	return h <= maxImageValues && w <= maxImageValues/h && c <= maxImageValues/(h*w)
}

// aspectCrop is Keras's crop to the target aspect ratio (smart_resize):
// the crop size and its top-left corner.
func aspectCrop(h, w, th, tw int) (ch, cw, top, left int) {
	ch = max(min(h, int(float64(w*th)/float64(tw))), 1)
	cw = max(min(w, int(float64(h*tw)/float64(th))), 1)
	return ch, cw, (h - ch) / 2, (w - cw) / 2
}

// aspectPad is Resizing's pad_to_aspect_ratio: the padded size and the
// image's top-left corner in it.
func aspectPad(h, w, th, tw int) (ph, pw, top, left int) {
	ph = max(h, int(float64(w*th)/float64(tw)))
	pw = max(w, int(float64(h*tw)/float64(th)))
	return ph, pw, (ph - h) / 2, (pw - w) / 2
}

// Emit crops or pads to the aspect ratio if asked, then resizes
// (CenterCrop: a plain centre crop when the image is large enough).
func (l *ResizeLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	y, err := emitChannelsLast(x, l.first, func(x *G.Node) (*G.Node, error) {
		s := []int(x.Shape())
		h, w := s[1], s[2]
		if l.class == "CenterCrop" && h >= l.height && w >= l.width {
			t, lf := (h-l.height)/2, (w-l.width)/2
			return cropTo(g, x, t, lf, l.height, l.width)
		}
		var err error
		switch {
		case l.crop || l.class == "CenterCrop" || l.class == "RandomCrop":
			ch, cw, t, lf := aspectCrop(h, w, l.height, l.width)
			x, err = cropTo(g, x, t, lf, ch, cw)
		case l.pad:
			ph, pw, t, lf := aspectPad(h, w, l.height, l.width)
			x, err = g.Pad(x, []int{t, lf}, []int{ph - h - t, pw - w - lf}, float32(l.fillValue))
		}
		if err != nil {
			return nil, err
		}
		s = []int(x.Shape())
		if s[1] == l.height && s[2] == l.width {
			return x, nil // every kernel is the identity at the same size
		}
		return g.Resize(x, []int{l.height, l.width}, runtime.ResizeParams{Interpolation: l.interp, Antialias: l.antialias})
	})
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

// cropTo keeps rows top..top+h and columns left..left+w of a
// channels_last batch.
func cropTo(g *runtime.Graph, x *G.Node, top, left, h, w int) (*G.Node, error) {
	s := []int(x.Shape())
	if top == 0 && left == 0 && h == s[1] && w == s[2] {
		return x, nil
	}
	return g.Crop(x, []int{top, left}, []int{s[1] - h - top, s[2] - w - left})
}

// Config returns Keras 3's Resizing or CenterCrop config.
func (l *ResizeLayer) Config() map[string]any {
	c := l.baseConfig()
	c["height"], c["width"] = l.height, l.width
	c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	if l.class == "Resizing" {
		c["interpolation"] = l.interp
		c["crop_to_aspect_ratio"] = l.crop
		c["pad_to_aspect_ratio"] = l.pad
		c["fill_mode"] = l.fillMode
		c["fill_value"] = l.fillValue
		c["antialias"] = l.antialias
	}
	return c
}

// ---------------------------------------------------------------------------
// Random augmentation layers

// randomLayers are the random image augmentation classes kerago loads:
// identities at inference (Keras 3.15.1, spec keras-layers.md §4.4; Keras
// 2's RandomCrop centre-crops and resizes instead), refused in training.
var randomLayers = []string{
	"RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
	"RandomCrop", "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness", "RandomShear",
	"RandomColorDegeneration", "RandomColorJitter", "RandomPerspective", "RandomPosterization", "RandomInvert",
	"RandomGaussianBlur", "RandomErasing", "RandomElasticTransform", "Solarization", "AugMix", "RandAugment",
	"MixUp", "CutMix", "RandomHeight", "RandomWidth",
}

// RandomLayerClasses returns the random augmentation classes kerago loads
// (identities at inference, refused in training).
func RandomLayerClasses() []string { return append([]string(nil), randomLayers...) }

// RandomLayer is one of Keras's random augmentation layers
// (RandomLayerClasses).
type RandomLayer struct {
	base
	cfg    map[string]any // the class's own config keys, as Keras writes them
	first  bool
	resize *ResizeLayer // Keras 2 RandomCrop at inference
}

// RandomAugmentation returns a random augmentation layer of the given class
// (one of RandomLayerClasses) with its Keras config keys (data_format, seed,
// factor, ...; name, trainable and dtype are taken from opts).
func RandomAugmentation(class string, cfg map[string]any, opts ...Option) *RandomLayer {
	o := collect(opts)
	l := &RandomLayer{base: newBase(class, o), cfg: map[string]any{}}
	for k, v := range cfg {
		switch k {
		case "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim":
		default:
			l.cfg[k] = v
		}
	}
	if !contains(randomLayers, class) {
		l.err = fmt.Errorf("%q is not a random augmentation layer: %w", class, loader.ErrUnsupported)
	}
	if df, ok := l.cfg["data_format"]; ok && df != nil {
		s, _ := df.(string)
		var err error
		if l.first, err = channelsFirst(s); err != nil && l.err == nil {
			l.err = err
		}
	}
	if class == "RandomCrop" && l.base.major == 2 {
		h, hok := l.cfg["height"].(float64)
		w, wok := l.cfg["width"].(float64)
		if !hok || !wok {
			l.err = fmt.Errorf("RandomCrop needs integer height and width, have %v, %v", l.cfg["height"], l.cfg["width"])
		} else {
			l.resize = &ResizeLayer{base: newBase("RandomCrop", o), height: int(h), width: int(w), interp: "bilinear", first: l.first}
		}
	}
	if e := o.check(class); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// RandomFlip returns keras.layers.RandomFlip(mode) ("horizontal",
// "vertical" or "horizontal_and_vertical").
func RandomFlip(mode string, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomFlip", map[string]any{"mode": mode, "seed": nil, "data_format": "channels_last"}, opts...)
}

// RandomRotation returns keras.layers.RandomRotation(factor=(lo, hi)).
func RandomRotation(lo, hi float64, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomRotation", map[string]any{"factor": []any{lo, hi}, "fill_mode": "reflect", "fill_value": 0.0,
		"interpolation": "bilinear", "seed": nil, "data_format": "channels_last"}, opts...)
}

// RandomZoom returns keras.layers.RandomZoom(height_factor).
func RandomZoom(heightFactor float64, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomZoom", map[string]any{"height_factor": heightFactor, "width_factor": nil, "fill_mode": "reflect",
		"fill_value": 0.0, "interpolation": "bilinear", "seed": nil, "data_format": "channels_last"}, opts...)
}

// RandomTranslation returns keras.layers.RandomTranslation(height_factor,
// width_factor).
func RandomTranslation(heightFactor, widthFactor float64, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomTranslation", map[string]any{"height_factor": heightFactor, "width_factor": widthFactor,
		"fill_mode": "reflect", "fill_value": 0.0, "interpolation": "bilinear", "seed": nil, "data_format": "channels_last"}, opts...)
}

// RandomContrast returns keras.layers.RandomContrast(factor).
func RandomContrast(factor float64, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomContrast", map[string]any{"factor": factor, "value_range": []any{0.0, 255.0}, "seed": nil,
		"data_format": "channels_last"}, opts...)
}

// RandomBrightness returns keras.layers.RandomBrightness(factor).
func RandomBrightness(factor float64, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomBrightness", map[string]any{"factor": factor, "value_range": []any{0.0, 255.0}, "seed": nil,
		"data_format": "channels_last"}, opts...)
}

// RandomCrop returns keras.layers.RandomCrop(height, width).
func RandomCrop(height, width int, opts ...Option) *RandomLayer {
	return RandomAugmentation("RandomCrop", map[string]any{"height": float64(height), "width": float64(width), "seed": nil,
		"data_format": "channels_last"}, opts...)
}

// Build checks for images; the output has the input's shape (Keras 2
// RandomCrop: (height, width, channels)).
func (l *RandomLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != 3 {
		return l.errorf("needs images of per-sample shape (height, width, channels), got %v", in)
	}
	out := append([]int(nil), in...)
	if l.resize != nil {
		if err := l.resize.Build(in); err != nil {
			return err
		}
		out = l.resize.OutputShape()
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), out, true
	return nil
}

// Emit is the identity at inference; in training it fails, as kerago does
// not draw random image transformations.
func (l *RandomLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if training {
		return nil, fmt.Errorf("layers: %s %q: kerago cannot apply %s during training; it is the identity at inference only (remove the layer or augment the data before fit): %w",
			l.class, l.name, l.class, loader.ErrUnsupported)
	}
	if l.resize != nil {
		return l.resize.Emit(g, x, false)
	}
	return x, nil
}

// Config returns the layer's Keras config (its own keys as read or given).
func (l *RandomLayer) Config() map[string]any {
	c := l.baseConfig()
	for k, v := range l.cfg {
		c[k] = v
	}
	return c
}

// ---------------------------------------------------------------------------
// config readers

// preprocessingFromConfig builds the preprocessing layers of this file from their Keras
// configs; ok is false for other classes.
func preprocessingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "Rescaling":
		s, ss := r.array("scale", 1)
		o, os := r.array("offset", 0)
		return RescalingArrays(s, ss, o, os, common...), true
	case "Resizing":
		opts := append(common, WithDataFormat(r.str("data_format", "channels_last")))
		return Resizing(r.int("height", 0), r.int("width", 0), ResizingOptions{
			Interpolation:     r.str("interpolation", "bilinear"),
			CropToAspectRatio: r.bool("crop_to_aspect_ratio", false),
			PadToAspectRatio:  r.bool("pad_to_aspect_ratio", false),
			FillMode:          r.str("fill_mode", "constant"),
			FillValue:         r.float("fill_value", 0),
			Antialias:         r.bool("antialias", false),
		}, opts...), true
	case "CenterCrop":
		opts := append(common, WithDataFormat(r.str("data_format", "channels_last")))
		return CenterCrop(r.int("height", 0), r.int("width", 0), opts...), true
	}
	if contains(randomLayers, class) {
		return RandomAugmentation(class, r.c, common...), true
	}
	return nil, false
}
