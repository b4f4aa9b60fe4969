package clock

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestSetRunsOnFromTheInstantAndRestores(t *testing.T) {
	before := Now()
	at := time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC)
	restore := Set(at)
	got := Now()
	if d := got.Sub(at); d < 0 || d > time.Second {
		t.Fatalf("Now after Set(%s) = %s", at, got)
	}
	time.Sleep(20 * time.Millisecond)
	if later := Now(); !later.After(got) || later.Sub(got) > 5*time.Second {
		t.Fatalf("the clock does not run on: %s then %s", got, later)
	}
	restore()
	if d := Now().Sub(before); d < 0 || d > time.Minute {
		t.Fatalf("restore did not put the previous clock back: %s, was %s", Now(), before)
	}
}

// The variable is read when a process starts, so it is checked in a child.
func TestTheEnvironmentStartsTheClockAtAnotherInstant(t *testing.T) {
	if os.Getenv("CLOCK_CHILD") == "1" {
		want, _ := time.Parse(time.RFC3339, os.Getenv(EnvVar))
		if d := Now().Sub(want); d < 0 || d > 10*time.Second || !Shifted() {
			t.Fatalf("%s=%s, Now = %s", EnvVar, want, Now())
		}
		return
	}
	run := func(value string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestTheEnvironmentStartsTheClockAtAnotherInstant$")
		cmd.Env = append(os.Environ(), "CLOCK_CHILD=1", EnvVar+"="+value)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("2027-03-01T00:00:30Z"); err != nil {
		t.Fatalf("child at 2027-03-01: %v\n%s", err, out)
	}
	out, err := run("March 1st")
	if err == nil || !strings.Contains(out, "not an RFC 3339 time") {
		t.Fatalf("a misspelt instant must stop the process with a clear message, got %v\n%s", err, out)
	}
}
