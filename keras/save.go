package keras

import "errors"

// errSaveUnavailable is temporary: saving is wired to loader.Save, which is
// landing in the next commit.
var errSaveUnavailable = errors.New("keras: saving is not available in this build yet (loader writers pending)")

// Save writes the model to path (not yet available in this build).
func (m *Model) Save(path string) error { return errSaveUnavailable }

// SaveWeights writes only the weights (not yet available in this build).
func (m *Model) SaveWeights(path string) error { return errSaveUnavailable }
