package cli

import (
	"errors"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

// formatSaver is keras.Model's SaveFormat.
type formatSaver interface {
	SaveFormat(path string, f loader.Format) error
}

// saveModel writes m to path in format f.
func saveModel(m *keras.Model, path string, f loader.Format) error {
	if s, ok := any(m).(formatSaver); ok {
		return s.SaveFormat(path, f)
	}
	return errors.New("saving is not available in this build: keras.Model.SaveFormat is missing")
}
