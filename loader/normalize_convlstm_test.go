package loader

import (
	"strings"
	"testing"
)

// TestNormConvLSTM checks the ConvLSTM config normalization: scalar
// sizes become lists, defaults are filled, LSTM keys normalized, and
// missing or Keras 1 keys are refused with an error naming them.
func TestNormConvLSTM(t *testing.T) {
	p := &cfgParser{}
	c := map[string]any{"filters": 2.0, "kernel_size": 3.0, "strides": 1.0, "recurrent_activation": "hard_sigmoid"}
	if err := normConvLSTM(p, "ConvLSTM2D", c); err != nil {
		t.Fatal(err)
	}
	if ks, _ := c["kernel_size"].([]any); len(ks) != 2 || ks[0] != 3.0 || ks[1] != 3.0 {
		t.Errorf("kernel_size %v, want [3 3]", c["kernel_size"])
	}
	if c["padding"] != "valid" || c["data_format"] != "channels_last" || c["activation"] != "tanh" || c["use_bias"] != true {
		t.Errorf("defaults not filled: %v", c)
	}
	if _, ok := c["units"]; ok {
		t.Errorf("units left in a ConvLSTM config: %v", c)
	}
	for _, bad := range []struct {
		c    map[string]any
		want string
	}{
		{map[string]any{"filters": 2.0}, `missing "kernel_size"`},
		{map[string]any{"kernel_size": []any{2.0}}, `missing "filters"`},
		{map[string]any{"nb_filter": 2.0, "nb_row": 3.0, "nb_col": 3.0}, "Keras 1 ConvLSTM2D"},
	} {
		err := normConvLSTM(p, "ConvLSTM2D", bad.c)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("config %v: error %v, want one containing %q", bad.c, err, bad.want)
		}
	}
}

// TestBudgetCoversConvLSTM: a ConvLSTM2D claiming a huge number of filters
// is refused by the memory budget before anything is allocated, and the
// estimate of conv_lstm2d's ConvLSTM2D matches the variables Keras stored.
func TestBudgetCoversConvLSTM(t *testing.T) {
	js := `{"class_name": "Sequential", "config": {"name": "s", "layers": [
	 {"class_name": "InputLayer", "config": {"batch_shape": [null, 3, 8, 8, 3], "name": "in"}},
	 {"class_name": "ConvLSTM2D", "config": {"name": "c", "filters": 1000000, "kernel_size": [3, 3]}}]}}`
	mc, _, err := ParseConfigJSON("huge.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	err = CheckMemory(&Model{Path: "huge.json", Config: mc}, 64<<20)
	if err == nil || !strings.Contains(err.Error(), "memory budget") || !strings.Contains(err.Error(), "ConvLSTM2D") {
		t.Errorf("%v, want a memory budget error naming ConvLSTM2D", err)
	}
	m, err := Load("../testdata/keras-layers/conv_lstm2d/model.keras")
	if err != nil {
		t.Fatal(err)
	}
	ps := EstimateParams(m.Config)
	var got int64 = -1
	for _, p := range ps {
		if p.ClassName == "ConvLSTM2D" {
			got = p.Params
		}
	}
	// kernel (3,3,2,8) + recurrent_kernel (3,3,2,8) + bias (8,), as stored by Keras
	if want := int64(3*3*2*8*2 + 8); got != want {
		t.Errorf("ConvLSTM2D estimated at %d values, Keras stores %d", got, want)
	}
}
