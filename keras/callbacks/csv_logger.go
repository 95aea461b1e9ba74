package callbacks

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// CSVLogger streams epoch results to a CSV file, as keras.callbacks.CSVLogger:
// header "epoch,<sorted keys>", 0-based epochs, Python float formatting,
// "\r\n" line endings (Python's csv "excel" dialect).
type CSVLogger struct {
	Base
	Filename  string
	Separator rune // ',' when zero
	Append    bool

	f            *os.File
	w            *csv.Writer
	keys         []string
	appendHeader bool
}

// NewCSVLogger returns a logger writing to filename.
func NewCSVLogger(filename string) *CSVLogger { return &CSVLogger{Filename: filename} }

// OnTrainBegin opens the file.
func (c *CSVLogger) OnTrainBegin(*Logs) error {
	c.appendHeader = true
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if c.Append {
		if data, err := os.ReadFile(c.Filename); err == nil {
			first, _, _ := strings.Cut(string(data), "\n")
			c.appendHeader = len(first) == 0
		}
		flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(c.Filename, flag, 0o644)
	if err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	c.f = f
	c.w = nil
	c.keys = nil
	return nil
}

// OnEpochEnd writes one row.
func (c *CSVLogger) OnEpochEnd(epoch int, logs *Logs) error {
	if c.f == nil {
		return fmt.Errorf("callbacks: CSVLogger: %s is not open (OnTrainBegin not called)", c.Filename)
	}
	if c.keys == nil {
		c.keys = append([]string(nil), logs.Keys()...)
		sort.Strings(c.keys)
		hasVal := false
		for _, k := range c.keys {
			if strings.HasPrefix(k, "val_") {
				hasVal = true
			}
		}
		if !hasVal {
			for _, k := range append([]string(nil), c.keys...) {
				c.keys = append(c.keys, "val_"+k)
			}
		}
	}
	if c.w == nil {
		c.w = csv.NewWriter(c.f)
		c.w.UseCRLF = true
		if c.Separator != 0 {
			c.w.Comma = c.Separator
		}
		if c.appendHeader {
			if err := c.w.Write(append([]string{"epoch"}, c.keys...)); err != nil {
				return err
			}
		}
	}
	row := []string{strconv.Itoa(epoch)}
	for _, k := range c.keys {
		if v, ok := logs.Get(k); ok {
			row = append(row, pyRepr(v))
		} else {
			row = append(row, "NA")
		}
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	return nil
}

// OnTrainEnd closes the file.
func (c *CSVLogger) OnTrainEnd(*Logs) error {
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f, c.w = nil, nil
	return err
}
