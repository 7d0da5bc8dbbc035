package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// watchParent calls onGone once when the process that started us (named by env INTERLACE_PARENT_PID, set by
// the test harness) is gone, i.e. our parent PID changed: a test run that was killed outright (SIGKILL,
// OOM) must not leave a control plane behind.
func watchParent(onGone func()) {
	want, err := strconv.Atoi(os.Getenv("INTERLACE_PARENT_PID"))
	if err != nil || os.Getppid() != want {
		return
	}
	go func() {
		for os.Getppid() == want {
			time.Sleep(time.Second)
		}
		fmt.Fprintf(os.Stderr, "interlace-control-plane: parent process %d is gone; shutting down\n", want)
		onGone()
	}()
}

// watchParentSelf stops this process when the parent is gone: SIGTERM (graceful), then exit after 15s.
func watchParentSelf() {
	watchParent(func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(15 * time.Second)
		os.Exit(1)
	})
}

// runSupervise runs another program (kwok) as a child, forwards SIGINT/SIGTERM to it, and stops it when
// our parent is gone. Exits with the child's exit code.
func runSupervise(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "interlace-control-plane supervise: usage: supervise -- <program> [args]")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "interlace-control-plane supervise:", err)
		return 1
	}
	stop := func(s os.Signal) {
		_ = cmd.Process.Signal(s)
		go func() {
			time.Sleep(5 * time.Second)
			_ = cmd.Process.Kill()
		}()
	}
	watchParent(func() { stop(syscall.SIGTERM) })
	go func() {
		for s := range sig {
			stop(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if code := exit.ExitCode(); code >= 0 {
			return code
		}
		return 1
	}
	if err != nil {
		return 1
	}
	return 0
}
