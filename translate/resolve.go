package translate

import "strings"

// canon maps a fully qualified Python name (as the script's imports spell
// it) to the translator's canonical name:
//
//	tensorflow.keras.layers.Dense, keras.layers.core.Dense → keras:layers.Dense
//	keras.models.Sequential                                → keras:Sequential
//	keras.optimizers.legacy.Adam                           → keras:optimizers.Adam
//	keras.utils.np_utils.to_categorical                    → keras:utils.to_categorical
//	sklearn.cross_validation.train_test_split              → sklearn:train_test_split
//	numpy.random.seed                                      → numpy:random.seed
func canon(full string) string {
	for _, p := range []string{"tensorflow.python.keras.", "tensorflow.keras.", "tensorflow.compat.v1.keras.", "tensorflow.compat.v2.keras.", "tf_keras.", "keras.src.", "keras."} {
		if strings.HasPrefix(full, p) {
			return "keras:" + canonKeras(strings.TrimPrefix(full, p))
		}
	}
	switch full {
	case "keras", "tensorflow.keras", "tf_keras", "tensorflow.python.keras":
		return "keras:"
	}
	if strings.HasPrefix(full, "tensorflow.") || full == "tensorflow" {
		rest := strings.TrimPrefix(strings.TrimPrefix(full, "tensorflow"), ".")
		rest = strings.TrimPrefix(rest, "compat.v1.")
		return "tensorflow:" + rest
	}
	if strings.HasPrefix(full, "numpy.") || full == "numpy" {
		return "numpy:" + strings.TrimPrefix(strings.TrimPrefix(full, "numpy"), ".")
	}
	if strings.HasPrefix(full, "pandas.") || full == "pandas" {
		return "pandas:" + strings.TrimPrefix(strings.TrimPrefix(full, "pandas"), ".")
	}
	if strings.HasPrefix(full, "sklearn.") || full == "sklearn" {
		parts := strings.Split(full, ".")
		last := parts[len(parts)-1]
		if len(parts) <= 2 {
			return "sklearn:" + strings.Join(parts[1:], ".")
		}
		return "sklearn:" + last
	}
	return "py:" + full
}

func canonKeras(rest string) string {
	parts := strings.Split(rest, ".")
	last := parts[len(parts)-1]
	if len(parts) == 1 {
		switch last {
		case "Input":
			return "layers.Input"
		case "load_model":
			return "load_model"
		}
		return last
	}
	cat := parts[0]
	switch cat {
	case "layers":
		if strings.HasPrefix(rest, "layers.experimental.preprocessing.") || len(parts) > 2 {
			return "layers." + last
		}
		return rest
	case "models", "engine", "saving":
		switch last {
		case "Sequential", "Model", "load_model", "model_from_json", "model_from_yaml", "clone_model":
			return last
		}
		if len(parts) == 1 {
			return cat
		}
		return cat + "." + last
	case "optimizers":
		if len(parts) >= 2 && parts[1] == "schedules" {
			if len(parts) == 2 {
				return "schedules"
			}
			return "schedules." + last
		}
		return "optimizers." + last
	case "utils":
		return "utils." + last
	case "losses", "metrics", "callbacks", "initializers", "regularizers", "constraints", "activations", "backend", "datasets", "preprocessing":
		return cat + "." + last
	}
	return rest
}
