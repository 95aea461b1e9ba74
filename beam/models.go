package kerabeam

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/kerago/kerago/beam/internal/modelcache"
	"github.com/kerago/kerago/keras"
)

// workerModels is the worker process's model cache. It is the one piece of
// process-wide state in the package, and has to be: Beam deserializes a
// separate DoFn instance for each bundle processor of a worker, and only
// process memory is shared between them, which is what "one model per worker"
// means (Python Beam's RunInference uses its shared.Shared the same way).
var workerModels = modelcache.New(loadModel)

// loadModel reads src with keras.Load (or LoadWithWeights). Files behind a
// URL are first copied, through Beam's filesystem package, to a temporary
// directory that is removed once the model is in memory.
func loadModel(ctx context.Context, src modelcache.Source) (*keras.Model, error) {
	dir, err := os.MkdirTemp("", "kerago-model-")
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	defer os.RemoveAll(dir)
	model, err := localCopy(ctx, src.Model, filepath.Join(dir, "model"))
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	var m *keras.Model
	if src.Weights == "" {
		m, err = keras.Load(model)
	} else {
		var weights string
		if weights, err = localCopy(ctx, src.Weights, filepath.Join(dir, "weights")); err == nil {
			m, err = keras.LoadWithWeights(model, weights)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	return m, nil
}

// isURL reports whether p has a scheme (gs://, memfs://); Beam's filesystem
// package reads anything else as a local path.
func isURL(p string) bool { return strings.Index(p, "://") > 0 }

// localCopy returns a local path holding p's content: p itself when local,
// else a copy in dir under p's base name.
func localCopy(ctx context.Context, p, dir string) (string, error) {
	if !isURL(p) {
		return p, nil
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return "", err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, p)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", p, err)
	}
	defer r.Close()
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	name := path.Base(p[strings.Index(p, "://")+3:])
	if name == "." || name == "/" || name == "" {
		name = "model"
	}
	local := filepath.Join(dir, name)
	w, err := os.Create(local)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(w, r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("copying %s: %w", p, err)
	}
	return local, nil
}
