package train

import (
	"fmt"
	"regexp"
)

// SettingError is a setting of a run with a value the run cannot use: a
// Config field, or one of RunOptions' (out, resume, max_time, snapshots).
// Settings are named as config.json names them ("batch_size",
// "model.image_size"). A program whose users know the settings by other
// names (gan-train: by its flags) words the message in those with Message;
// Error uses the config.json names.
type SettingError struct {
	Field  string // the setting at fault
	format string // the message; {field} marks the name of a setting
	args   []any
	err    error // the cause, when another package found the fault
}

// settingErr returns a SettingError for field; format may name settings as
// {field}, and the args are formatted into it after the names.
func settingErr(field, format string, args ...any) *SettingError {
	return &SettingError{Field: field, format: format, args: args}
}

// causedBy returns e with err as its cause (what Unwrap returns).
func (e *SettingError) causedBy(err error) *SettingError { e.err = err; return e }

func (e *SettingError) Error() string { return e.Message(nil) }

// Unwrap returns the error of another package behind e, if any.
func (e *SettingError) Unwrap() error { return e.err }

// Message is the error's text with every setting named by name(field); a
// nil name keeps the config.json names.
func (e *SettingError) Message(name func(field string) string) string {
	return fmt.Sprintf(nameSettings(e.format, name), e.args...)
}

var settingRef = regexp.MustCompile(`\{[a-z0-9_.]+\}`)

// nameSettings replaces each {field} of a format with name(field). The
// names go in before the arguments are formatted, so a path or value that
// holds braces is never taken for a setting.
func nameSettings(format string, name func(string) string) string {
	return settingRef.ReplaceAllStringFunc(format, func(ref string) string {
		field := ref[1 : len(ref)-1]
		if name == nil {
			return field
		}
		return name(field)
	})
}

// name is how the run's messages name a setting: RunOptions.Names, or the
// config.json name.
func (r *Run) name(field string) string {
	if r.opt.Names == nil {
		return field
	}
	return r.opt.Names(field)
}

// sayf formats a message that names settings as {field} in the run's names.
func (r *Run) sayf(format string, args ...any) string {
	return fmt.Sprintf(nameSettings(format, r.name), args...)
}
