// Package version is gogan's release: the one version every command
// prints for --version and every config and exported model records.
package version

import (
	"runtime/debug"
)

// Number is gogan's release.
const Number = "0.1.0"

// String is Number followed by the commit the binary was built from, when
// the build recorded one: "0.1.0 (3ede644a1b2c, modified)".
func String() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Number
	}
	return withRevision(info.Settings)
}

func withRevision(settings []debug.BuildSetting) string {
	var rev string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return Number
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += ", modified"
	}
	return Number + " (" + rev + ")"
}
