package serve

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkHandlePredictBatched is BenchmarkHandlePredict with MaxBatch 8
// and parallel clients, so that requests go through the batcher.
func BenchmarkHandlePredictBatched(b *testing.B) {
	s, err := New(Config{Load: KerasLoader, MaxBatch: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.AddModelFile("m", 1, quickstart+"model.keras"); err != nil {
		b.Fatal(err)
	}
	body := `{"instances": [[0.25, -0.75]]}`
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/v1/models/m:predict", strings.NewReader(body))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
		}
	})
}

// BenchmarkHandlePredictMultiIO measures one predict request for the
// two-input, two-output merge_multi_io model in both formats.
func BenchmarkHandlePredictMultiIO(b *testing.B) {
	for _, rows := range []int{1, 32} {
		for _, rowFmt := range []bool{true, false} {
			b.Run(fmt.Sprintf("rows=%d/instances=%v", rows, rowFmt), func(b *testing.B) {
				s, err := New(Config{Load: KerasLoader})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				if err := s.AddModelFile("m", 1, multiIO+"model.keras"); err != nil {
					b.Fatal(err)
				}
				five := "[0.25, -0.75, 0.5, 1, -2]"
				body := `{"inputs": {"a": [` + strings.TrimSuffix(strings.Repeat(five+",", rows), ",") + `], "b": [` + strings.TrimSuffix(strings.Repeat(five+",", rows), ",") + `]}}`
				if rowFmt {
					body = `{"instances": [` + strings.TrimSuffix(strings.Repeat(`{"a": `+five+`, "b": `+five+`},`, rows), ",") + `]}`
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest("POST", "/v1/models/m:predict", strings.NewReader(body))
					w := httptest.NewRecorder()
					s.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}
