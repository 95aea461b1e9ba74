package cli

import (
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

// saveModel writes m to path in format f (atomically, see keras.Model.SaveFormat).
func saveModel(m *keras.Model, path string, f loader.Format) error {
	return m.SaveFormat(path, f)
}
