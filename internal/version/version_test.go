package version

import (
	"runtime/debug"
	"testing"
)

func TestWithRevision(t *testing.T) {
	for _, c := range []struct {
		s    []debug.BuildSetting
		want string
	}{
		{nil, Number},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "3ede644a1b2c3d4e5f60718293a4b5c6d7e8f901"}}, Number + " (3ede644a1b2c)"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "3ede644"}, {Key: "vcs.modified", Value: "true"}}, Number + " (3ede644, modified)"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}, Number},
	} {
		if got := withRevision(c.s); got != c.want {
			t.Errorf("withRevision(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}
