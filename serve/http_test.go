package serve

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// jsonEqual compares two JSON documents structurally.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// threeModels serves "sd" (sumDiff, versions 1 and 3), "grid" (input [2,3],
// output [2,2]) and "mlp".
func threeModels(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s, hs := newTestServer(t, cfg)
	grid := &fakeNet{In: []int{2, 3}, Out: []int{2, 2}, Layers: []fakeLayer{{
		// y = (sum of row 0, sum of row 1, first of row 0, last of row 1)
		W: [][]float32{{1, 0, 1, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 1}},
		B: []float32{0, 0, 0, 0},
	}}}
	sd3 := sumDiff()
	sd3.Layers[0].B = []float32{100, 100} // version 3 adds 100: tells versions apart
	for _, m := range []struct {
		name string
		v    int64
		p    Predictor
	}{{"sd", 1, sumDiff()}, {"sd", 3, sd3}, {"grid", 1, grid}, {"mlp", 1, mlp(1)}} {
		if err := s.AddModel(m.name, m.v, m.p); err != nil {
			t.Fatal(err)
		}
	}
	return s, hs.URL
}

func TestModelStatus(t *testing.T) {
	_, url := threeModels(t, Config{})
	c := http.DefaultClient
	for _, tc := range []struct {
		path string
		want string
	}{
		{"/v1/models/sd", `{"model_version_status":[
			{"version":"3","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}},
			{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"/v1/models/sd/versions/1", `{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"/V1/Models/sd/Versions/3", `{"model_version_status":[{"version":"3","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"/v1/models/grid", `{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
	} {
		r := do(t, c, "GET", url+tc.path, "")
		if r.code != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q", tc.path, r.code, r.header.Get("Content-Type"))
		}
		jsonEqual(t, r.body, tc.want)
	}
}

func TestModelMetadata(t *testing.T) {
	_, url := threeModels(t, Config{})
	shape := func(dims ...string) string {
		var parts []string
		for _, d := range dims {
			parts = append(parts, `{"size":"`+d+`","name":""}`)
		}
		return `{"dim":[` + strings.Join(parts, ",") + `],"unknown_rank":false}`
	}
	meta := func(name, version, in, out string) string {
		return `{"model_spec":{"name":"` + name + `","signature_name":"","version":"` + version + `"},
		"metadata":{"signature_def":{"signature_def":{"serving_default":{
			"inputs":{"inputs":{"dtype":"DT_FLOAT","tensor_shape":` + in + `,"name":"serving_default_inputs:0"}},
			"outputs":{"output_0":{"dtype":"DT_FLOAT","tensor_shape":` + out + `,"name":"StatefulPartitionedCall:0"}},
			"method_name":"tensorflow/serving/predict"}}}}}`
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/models/sd/metadata", meta("sd", "3", shape("-1", "2"), shape("-1", "2"))},
		{"/v1/models/sd/versions/1/metadata", meta("sd", "1", shape("-1", "2"), shape("-1", "2"))},
		{"/v1/models/grid/metadata", meta("grid", "1", shape("-1", "2", "3"), shape("-1", "2", "2"))},
	} {
		r := do(t, http.DefaultClient, "GET", url+tc.path, "")
		if r.code != 200 {
			t.Errorf("%s: %d %s", tc.path, r.code, r.body)
		}
		jsonEqual(t, r.body, tc.want)
	}
}

func TestPredictFormats(t *testing.T) {
	_, url := threeModels(t, Config{})
	for _, tc := range []struct {
		name, path, body, want string
	}{
		{"row", "/v1/models/sd/versions/1:predict", `{"instances": [[1, 2], [0.5, -0.25], [3e2, 1E-1]]}`,
			`{"predictions": [[3.0, -1.0], [0.25, 0.75], [300.1, 299.9]]}`},
		{"row one instance", "/v1/models/sd/versions/1:predict", `{"instances":[[1,2]]}`, `{"predictions":[[3,-1]]}`},
		{"row named", "/v1/models/sd/versions/1:predict", `{"instances": [{"inputs": [1, 2]}, {"inputs": [2, 2]}]}`,
			`{"predictions": [[3, -1], [4, 0]]}`},
		{"row signature", "/v1/models/sd/versions/1:predict", `{"signature_name": "serving_default", "instances": [[1, 2]]}`,
			`{"predictions": [[3, -1]]}`},
		{"row unknown keys ignored", "/v1/models/sd/versions/1:predict", `{"instances": [[1, 2]], "meta": {"a": [1, "x"]}}`,
			`{"predictions": [[3, -1]]}`},
		{"columnar", "/v1/models/sd/versions/1:predict", `{"inputs": [[1, 2], [0.5, -0.25]]}`,
			`{"outputs": [[3, -1], [0.25, 0.75]]}`},
		{"columnar named", "/v1/models/sd/versions/1:predict", `{"inputs": {"inputs": [[1, 2]]}}`, `{"outputs": [[3, -1]]}`},
		{"columnar empty batch", "/v1/models/sd/versions/1:predict", `{"inputs": []}`, `{"outputs": []}`},
		{"version 1", "/v1/models/sd/versions/1:predict", `{"instances": [[1, 2]]}`, `{"predictions": [[3, -1]]}`},
		{"version 3", "/v1/models/sd/versions/3:predict", `{"instances": [[1, 2]]}`, `{"predictions": [[103, 99]]}`},
		{"latest is 3", "/v1/models/sd:predict", `{"inputs": [[0, 0]]}`, `{"outputs": [[100, 100]]}`},
		{"case-insensitive", "/V1/MODELS/sd/VERSIONS/1:PREDICT", `{"instances": [[1, 2]]}`, `{"predictions": [[3, -1]]}`},
		{"rank-2 rows", "/v1/models/grid:predict", `{"instances": [[[1, 2, 3], [4, 5, 6]], [[0, 0, 1], [1, 0, 0]]]}`,
			`{"predictions": [[[6, 15], [1, 6]], [[1, 1], [0, 0]]]}`},
		{"rank-2 columnar", "/v1/models/grid:predict", `{"inputs": [[[1, 2, 3], [4, 5, 6]]]}`,
			`{"outputs": [[[6, 15], [1, 6]]]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.DefaultClient, "POST", url+tc.path, tc.body)
			if r.code != 200 {
				t.Fatalf("%d %s", r.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			jsonEqual(t, r.body, tc.want)
		})
	}
}

// TestFloatOutputText checks that answers are written as TensorFlow Serving
// writes floats: whole numbers with ".0", shortest text that reads back as
// the same float32.
func TestFloatOutputText(t *testing.T) {
	_, url := threeModels(t, Config{})
	r := do(t, http.DefaultClient, "POST", url+"/v1/models/sd/versions/1:predict", `{"instances": [[1, 2], [0.1, 0.2], [1e-5, 0], [1e7, 0]]}`)
	want := `{"predictions":[[3.0,-1.0],[0.3,-0.1],[1e-05,1e-05],[1e+07,1e+07]]}` + "\n"
	if string(r.body) != want {
		t.Errorf("got  %s\nwant %s", r.body, want)
	}
}

func TestErrors(t *testing.T) {
	_, url := threeModels(t, Config{MaxBodyBytes: 4096})
	deep := `{"instances": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	big := `{"instances": [` + strings.Repeat("[1, 2], ", 600) + `[1, 2]]}`
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		want                     string // substring of the error message
	}{
		{"unknown model predict", "POST", "/v1/models/nope:predict", `{"instances": [[1, 2]]}`, 404, "Servable not found for request: Latest(nope)"},
		{"unknown version predict", "POST", "/v1/models/sd/versions/7:predict", `{"instances": [[1, 2]]}`, 404, "Servable not found for request: Specific(sd, 7)"},
		{"unknown model status", "GET", "/v1/models/nope", "", 404, "Could not find any versions of model nope"},
		{"unknown version status", "GET", "/v1/models/sd/versions/2", "", 404, "Could not find version 2 of model sd"},
		{"unknown model metadata", "GET", "/v1/models/nope/metadata", "", 404, "Servable not found for request: Latest(nope)"},
		{"unknown version metadata", "GET", "/v1/models/sd/versions/2/metadata", "", 404, "Servable not found for request: Specific(sd, 2)"},
		{"non-numeric version", "GET", "/v1/models/sd/versions/abc", "", 400, "Malformed request: GET /v1/models/sd/versions/abc"},
		{"negative version", "POST", "/v1/models/sd/versions/-1:predict", `{}`, 400, "Malformed request"},
		{"version overflow", "GET", "/v1/models/sd/versions/99999999999999999999", "", 400, "Failed to convert version: 99999999999999999999 to numeric."},
		{"labels", "GET", "/v1/models/sd/labels/stable", "", 400, "Unrecognized servable version label: stable"},
		{"no model name", "GET", "/v1/models", "", 400, "Missing model name in request."},
		{"unknown verb", "POST", "/v1/models/sd:explain", `{}`, 400, "Malformed request: POST /v1/models/sd:explain"},
		{"extra path", "GET", "/v1/models/sd/metadata/x", "", 400, "Malformed request"},
		{"classify", "POST", "/v1/models/sd:classify", `{"examples": []}`, 501, "classify is not supported"},
		{"regress", "POST", "/v1/models/sd:regress", `{"examples": []}`, 501, "regress is not supported"},
		{"not api", "GET", "/v2/x", "", 404, "Not found: GET /v2/x"},
		{"GET predict", "GET", "/v1/models/sd:predict", "", 405, "Method not allowed: GET /v1/models/sd:predict (use POST)"},
		{"POST status", "POST", "/v1/models/sd", `{}`, 405, "Method not allowed: POST /v1/models/sd (use GET)"},
		{"DELETE metadata", "DELETE", "/v1/models/sd/metadata", "", 405, "(use GET)"},
		{"POST healthz", "POST", "/healthz", "x", 405, "(use GET)"},
		{"PUT metrics", "PUT", "/metrics", "x", 405, "(use GET)"},
		{"empty body", "POST", "/v1/models/sd:predict", "", 400, "JSON Parse error: The document is empty"},
		{"bad JSON", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2]`, 400, "JSON Parse error: missing a comma or ']' after a list element at offset: 21"},
		{"bad JSON number", "POST", "/v1/models/sd:predict", `{"instances": [[01, 2]]}`, 400, "JSON Parse error"},
		{"bad JSON literal", "POST", "/v1/models/sd:predict", `{"instances": [[nul, 2]]}`, 400, "JSON Parse error: invalid value"},
		{"bad JSON string", "POST", "/v1/models/sd:predict", `{"instances": "\q"}`, 400, "JSON Parse error: invalid escape in string"},
		{"trailing data", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2]]} {}`, 400, "must not be followed by other values"},
		{"too deep", "POST", "/v1/models/sd:predict", deep, 400, "nesting deeper than 64 levels"},
		{"not an object", "POST", "/v1/models/sd:predict", `[[1, 2]]`, 400, "the request body must be a JSON object, got Array"},
		{"no input key", "POST", "/v1/models/sd:predict", `{"instance": [[1, 2]]}`, 400, "Missing 'inputs' or 'instances' key"},
		{"both keys", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2]], "inputs": [[1, 2]]}`, 400, "only one of 'inputs' or 'instances'"},
		{"empty instances", "POST", "/v1/models/sd:predict", `{"instances": []}`, 400, "No values in 'instances' array"},
		{"instances not a list", "POST", "/v1/models/sd:predict", `{"instances": 3}`, 400, "'instances' must be a list, got Number"},
		{"signature unknown", "POST", "/v1/models/sd:predict", `{"signature_name": "predict", "instances": [[1, 2]]}`, 400, `Serving signature name: "predict" not found in signature def`},
		{"signature not string", "POST", "/v1/models/sd:predict", `{"signature_name": 1, "instances": [[1, 2]]}`, 400, "'signature_name' key must be a string value"},
		{"instance too long", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2], [1, 2, 3]]}`, 400,
			`instances[1]: got 3 values at dimension 1, want 2 (model "sd" version 3 input "inputs" has shape [-1,2], so each instance has shape [2])`},
		{"instance too short", "POST", "/v1/models/sd:predict", `{"instances": [[1]]}`, 400, `instances[0]: got 1 values at dimension 1, want 2`},
		{"instance too deep", "POST", "/v1/models/sd:predict", `{"instances": [[[1, 2]]]}`, 400, `instances[0][0]: got a list, want a number`},
		{"instance too shallow", "POST", "/v1/models/sd:predict", `{"instances": [1, 2]}`, 400, `instances[0]: got a number, want a list of 2 values at dimension 1`},
		{"rank-2 inner dim", "POST", "/v1/models/grid:predict", `{"instances": [[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5]]]}`, 400,
			`instances[1][1]: got 2 values at dimension 2, want 3 (model "grid" version 1 input "inputs" has shape [-1,2,3], so each instance has shape [2,3])`},
		{"columnar ragged", "POST", "/v1/models/sd:predict", `{"inputs": [[1, 2], [3]]}`, 400, `inputs[1]: got 1 values at dimension 1, want 2`},
		{"columnar not batched", "POST", "/v1/models/sd:predict", `{"inputs": [1, 2]}`, 400, `inputs[0]: got a number, want a list of 2 values at dimension 1`},
		{"columnar scalar", "POST", "/v1/models/sd:predict", `{"inputs": 5}`, 400, `inputs: got a number, want a list at dimension 0`},
		{"columnar named missing", "POST", "/v1/models/sd:predict", `{"inputs": {"x": [[1, 2]]}}`, 400, "Missing named input: inputs in 'inputs' object"},
		{"columnar named bad", "POST", "/v1/models/sd:predict", `{"inputs": {"inputs": [[1, "2"]]}}`, 400, `inputs.inputs[0][1]: JSON Value: "2" Type: String is not of expected type: DT_FLOAT`},
		{"string value", "POST", "/v1/models/sd:predict", `{"instances": [[1, "a"]]}`, 400, `instances[0][1]: JSON Value: "a" Type: String is not of expected type: DT_FLOAT`},
		{"bool value", "POST", "/v1/models/sd:predict", `{"instances": [[true, 1]]}`, 400, `instances[0][0]: JSON Value: true Type: True is not of expected type: DT_FLOAT`},
		{"null value", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2], [null, 1]]}`, 400, `instances[1][0]: JSON Value: null Type: Null is not of expected type: DT_FLOAT`},
		{"object value", "POST", "/v1/models/sd:predict", `{"instances": [[{"b64": "AA=="}, 1]]}`, 400, `instances[0][0]: JSON Value: {"b64": "AA=="} Type: Object is not of expected type: DT_FLOAT`},
		{"string for a list", "POST", "/v1/models/sd:predict", `{"instances": ["ab"]}`, 400, `instances[0]: got "ab" (String), want a list of 2 values at dimension 1`},
		{"NaN", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2], [NaN, 1]]}`, 400, `instances[1][0]: NaN is not accepted: inputs must be finite numbers`},
		{"Infinity", "POST", "/v1/models/sd:predict", `{"inputs": [[1, Infinity]]}`, 400, `inputs[0][1]: Infinity is not accepted`},
		{"-Infinity", "POST", "/v1/models/sd:predict", `{"instances": [[-Infinity, 1]]}`, 400, `instances[0][0]: -Infinity is not accepted`},
		{"overflow to Inf", "POST", "/v1/models/sd:predict", `{"instances": [[1e999, 1]]}`, 400, `instances[0][0]: 1e999 is not accepted`},
		{"beyond float32", "POST", "/v1/models/sd:predict", `{"instances": [[1e39, 1]]}`, 400, `instances[0][0]: Cannot convert JSON value: 1e39 to float without loss of precision.`},
		{"lossy integer", "POST", "/v1/models/sd:predict", `{"instances": [[16777217, 1]]}`, 400, `Cannot convert JSON value: 16777217 to float without loss of precision.`},
		{"named unknown key", "POST", "/v1/models/sd:predict", `{"instances": [{"x": [1, 2]}]}`, 400, `instances[0]: unknown input name "x": model "sd" has one input, "inputs"`},
		{"named missing key", "POST", "/v1/models/sd:predict", `{"instances": [{}]}`, 400, `instances[0]: missing input "inputs"`},
		{"named mixed", "POST", "/v1/models/sd:predict", `{"instances": [{"inputs": [1, 2]}, [1, 2]]}`, 400, `instances[1]: expecting an object like instances[0], got Array`},
		{"plain mixed", "POST", "/v1/models/sd:predict", `{"instances": [[1, 2], {"inputs": [1, 2]}]}`, 400, `instances[1]: expecting a value/list like instances[0], got an object`},
		{"named bad shape", "POST", "/v1/models/sd:predict", `{"instances": [{"inputs": [1, 2, 3]}]}`, 400, `instances[0].inputs: got 3 values at dimension 1, want 2`},
		{"body too large", "POST", "/v1/models/sd:predict", big, 413, "request body is larger than the limit of 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.DefaultClient, tc.method, url+tc.path, tc.body)
			if r.code != tc.code {
				t.Errorf("status %d, want %d (%s)", r.code, tc.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var e map[string]string
			if err := json.Unmarshal(r.body, &e); err != nil || len(e) != 1 {
				t.Fatalf("want {\"error\": ...}, got %s", r.body)
			}
			if !strings.Contains(e["error"], tc.want) {
				t.Errorf("error %q\ndoes not contain %q", e["error"], tc.want)
			}
			if tc.code == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow header")
			}
		})
	}
}

// TestBodyTooLargeChunked checks the limit when the client sends no
// Content-Length.
func TestBodyTooLargeChunked(t *testing.T) {
	_, url := threeModels(t, Config{MaxBodyBytes: 100})
	body := `{"instances": [` + strings.Repeat("[1, 2], ", 50) + `[1, 2]]}`
	req, err := http.NewRequest("POST", url+"/v1/models/sd:predict", struct{ *strings.Reader }{strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	_, url := threeModels(t, Config{})
	r := do(t, http.DefaultClient, "GET", url+"/healthz", "")
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	jsonEqual(t, r.body, `{"status":"ok","models":4}`)
}

func TestParseRoute(t *testing.T) {
	for _, tc := range []struct {
		path    string
		name    string
		version int64
		action  string
		bad     bool
	}{
		{"/v1/models/a", "a", Latest, "status", false},
		{"/v1/models/a/", "", 0, "", true},
		{"/v1/models/a b.c-d_e", "a b.c-d_e", Latest, "status", false},
		{"/v1/models/a/versions/0", "a", 0, "status", false},
		{"/v1/models/a/versions/12/metadata", "a", 12, "metadata", false},
		{"/v1/models/a/metadata", "a", Latest, "metadata", false},
		{"/v1/models/a:predict", "a", Latest, "predict", false},
		{"/v1/models/a/versions/2:predict", "a", 2, "predict", false},
		{"/v1/models/a/versions/:predict", "", 0, "", true},
		{"/v1/models/a/versions/2/metadata:predict", "", 0, "", true},
		{"/v1/models/:predict", "", 0, "", true},
		{"/v1/modelsx/a", "", 0, "", true},
		{"/v1/models/a/versions/1x", "", 0, "", true},
	} {
		rt, err := parseRoute("GET", tc.path)
		if (err != nil) != tc.bad {
			t.Errorf("%s: err %v, want bad=%v", tc.path, err, tc.bad)
			continue
		}
		if !tc.bad && (rt.name != tc.name || rt.version != tc.version || rt.action != tc.action) {
			t.Errorf("%s: got %+v", tc.path, rt)
		}
	}
}

// TestDocumentedExample replays the end-to-end example of TensorFlow
// Serving's REST API page with its toy half_plus_three model (y = 0.5x + 3,
// scalar instances).
func TestDocumentedExample(t *testing.T) {
	s, hs := newTestServer(t, Config{})
	half := &fakeNet{In: []int{}, Out: []int{}, Layers: []fakeLayer{{W: [][]float32{{0.5}}, B: []float32{3}}}}
	if err := s.AddModel("half_plus_three", 123, half); err != nil {
		t.Fatal(err)
	}
	r := do(t, hs.Client(), "GET", hs.URL+"/v1/models/half_plus_three", "")
	jsonEqual(t, r.body, `{
 "model_version_status": [
  {
   "version": "123",
   "state": "AVAILABLE",
   "status": {
    "error_code": "OK",
    "error_message": ""
   }
  }
 ]
}`)
	r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/half_plus_three:predict", `{"instances": [1.0,2.0,5.0]}`)
	jsonEqual(t, r.body, `{
    "predictions": [3.5, 4.0, 5.5]
}`)
	r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/half:predict", `{"instances": [1.0,5.0]}`)
	if r.code != 404 || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("%d %q", r.code, r.header.Get("Content-Type"))
	}
	jsonEqual(t, r.body, `{ "error": "Servable not found for request: Latest(half)" }`)
}
