package serve

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkHandlePredict measures one predict request through the handler
// (JSON decode, validation, Predict, JSON encode) without the network, on
// the Keras quickstart model.
func BenchmarkHandlePredict(b *testing.B) {
	for _, rows := range []int{1, 32} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			s, err := New(Config{Load: KerasLoader})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.AddModelFile("m", 1, quickstart+"model.keras"); err != nil {
				b.Fatal(err)
			}
			body := `{"instances": [` + strings.TrimSuffix(strings.Repeat("[0.25, -0.75],", rows), ",") + `]}`
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
