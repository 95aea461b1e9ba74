// Command service is a small Go web service that loads a Keras model once at
// start and calls Predict from every request goroutine:
//
//	go run ./examples/service -model testdata/serve/mlp_2_10_10_2/model.keras
//	curl -d '{"x": [[0.5, -0.25]]}' http://127.0.0.1:8080/predict
//	{"y":[[...]]}
//
// A *keras.Model is safe for concurrent use, so the handler needs no lock.
// The same process also mounts the serve package's TensorFlow Serving REST
// API under /v1/ (curl -d '{"instances": [[0.5, -0.25]]}'
// http://127.0.0.1:8080/v1/models/model:predict), to show both ways of
// serving one loaded model.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/serve"
	"github.com/kerago/kerago/tensor"
)

func main() {
	modelPath := flag.String("model", "testdata/serve/mlp_2_10_10_2/model.keras", "Keras model file (.keras, .h5, ...)")
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()

	model, err := keras.Load(*modelPath) // once, at start
	if err != nil {
		log.Fatal(err)
	}
	h, closeServe, err := newHandler(model)
	if err != nil {
		log.Fatal(err)
	}
	defer closeServe()

	hs := &http.Server{
		Addr:              *addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		hs.Shutdown(shutdown) // finishes requests in flight
	}()
	log.Printf("serving %s (input %v) on http://%s", *modelPath, model.InputShape(), *addr)
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// predictRequest is this service's own JSON: rows of model inputs.
type predictRequest struct {
	X [][]float32 `json:"x"`
}

type predictResponse struct {
	Y [][]float32 `json:"y"`
}

// newHandler serves POST /predict with model.Predict and TensorFlow
// Serving's API under /v1/ with package serve. The returned function stops
// serve's background work.
func newHandler(model *keras.Model) (http.Handler, func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", func(w http.ResponseWriter, r *http.Request) {
		var req predictRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			httpError(w, http.StatusBadRequest, "bad JSON: %v", err)
			return
		}
		x, err := tensor.FromRows(req.X)
		if err != nil {
			httpError(w, http.StatusBadRequest, "x: %v", err)
			return
		}
		if len(req.X) == 0 || !tensor.SameShape(x.Shape()[1:], model.InputShape()) {
			httpError(w, http.StatusBadRequest, "x has shape %v, want [n]+%v", x.Shape(), model.InputShape())
			return
		}
		if err := x.CheckFinite(); err != nil {
			httpError(w, http.StatusBadRequest, "x: %v", err)
			return
		}
		y, err := model.Predict(x) // concurrent calls are safe
		if err != nil {
			httpError(w, http.StatusInternalServerError, "predict: %v", err)
			return
		}
		rows, err := y.Rows()
		if err != nil {
			httpError(w, http.StatusInternalServerError, "predict: %v", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(predictResponse{Y: rows})
	})

	srv, err := serve.New(serve.Config{})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.AddModel("model", 1, model); err != nil {
		srv.Close()
		return nil, nil, err
	}
	mux.Handle("/v1/", srv)
	mux.Handle("/metrics", srv)
	return mux, srv.Close, nil
}

func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(format, args...)})
}
