package backend

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
)

var (
	errTestClosed  = errors.New("closed")
	errTestStalled = errors.New("stalled")
	errTestOp      = errors.New("op failed")
)

type testOp struct {
	Ticket
	name string
}

// heldWriter runs a queue's writer that reports each group it is given on
// started and commits it, answering every op with the error received on
// release.
type heldWriter struct {
	started chan []string
	release chan error
	done    chan struct{}
}

func runHeld(q *WriteQueue[*testOp]) *heldWriter {
	w := &heldWriter{started: make(chan []string), release: make(chan error), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		q.Run(func(claimed []*testOp) {
			var names []string
			for _, op := range claimed {
				names = append(names, op.name)
			}
			w.started <- names
			err := <-w.release
			for _, op := range claimed {
				q.Answer(op, err)
			}
		})
	}()
	return w
}

// do runs q.Do in a goroutine and returns where its answer will be.
func do(ctx context.Context, q *WriteQueue[*testOp], name string) <-chan error {
	answer := make(chan error, 1)
	go func() { answer <- q.Do(ctx, &testOp{name: name}, nil) }()
	return answer
}

func TestWriteQueueAnswers(t *testing.T) {
	tests := []struct {
		name      string
		commitErr error
	}{
		{"committed", nil},
		{"failed", errTestOp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewWriteQueue[*testOp](4, errTestClosed, errTestStalled)
			w := runHeld(q)
			answer := do(t.Context(), q, "a")
			if got := <-w.started; !slices.Equal(got, []string{"a"}) {
				t.Errorf("group %v, want [a]", got)
			}
			w.release <- tc.commitErr
			if err := <-answer; err != tc.commitErr {
				t.Errorf("Do = %v, want %v", err, tc.commitErr)
			}
			q.Close()
			<-w.done
		})
	}
}

// TestWriteQueueGivingUp: a caller may give up while its op is queued, and
// the writer then skips the op; once claimed, the op's real outcome is the
// answer. One row per way of giving up, before and after the claim.
func TestWriteQueueGivingUp(t *testing.T) {
	cancelCtx := func(cancel context.CancelFunc, _ chan struct{}) { cancel() }
	closeStall := func(_ context.CancelFunc, stall chan struct{}) { close(stall) }
	tests := []struct {
		name    string
		giveUp  func(cancel context.CancelFunc, stall chan struct{})
		claimed bool // give up after the writer claimed the op
		want    error
		groups  [][]string
	}{
		{"context ends while queued", cancelCtx, false, context.Canceled, [][]string{{"first"}, {"next"}}},
		{"writer stalls while queued", closeStall, false, errTestStalled, [][]string{{"first"}, {"next"}}},
		{"context ends once claimed", cancelCtx, true, nil, [][]string{{"op"}, {"next"}}},
		{"writer stalls once claimed", closeStall, true, errTestStalled, [][]string{{"op"}, {"next"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewWriteQueue[*testOp](4, errTestClosed, errTestStalled)
			w := runHeld(q)
			var groups [][]string
			var first <-chan error
			if !tc.claimed { // the writer holds a first group, so op stays queued
				first = do(t.Context(), q, "first")
				groups = append(groups, <-w.started)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			stall := make(chan struct{})
			op := &testOp{name: "op"}
			if err := q.Enqueue(ctx, op, stall); err != nil {
				t.Fatal(err)
			}
			if tc.claimed {
				groups = append(groups, <-w.started)
			}
			tc.giveUp(cancel, stall)
			if tc.claimed && tc.want == nil {
				w.release <- nil // the outcome the caller waits for
			}
			if err := q.Wait(ctx, op); err != tc.want {
				t.Errorf("Wait = %v, want %v", err, tc.want)
			}
			if tc.claimed && tc.want != nil {
				w.release <- nil // the writer finishes the group it holds
			}
			if first != nil {
				w.release <- nil
				if err := <-first; err != nil {
					t.Errorf("first: %v", err)
				}
			}
			next := do(t.Context(), q, "next")
			groups = append(groups, <-w.started)
			w.release <- nil
			if err := <-next; err != nil {
				t.Errorf("next: %v", err)
			}
			if !slices.EqualFunc(groups, tc.groups, slices.Equal) {
				t.Errorf("groups %v, want %v", groups, tc.groups)
			}
			q.Close()
			<-w.done
		})
	}
}

func TestWriteQueueRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(q *WriteQueue[*testOp]) context.Context
		want  error
	}{
		{"after Close", func(q *WriteQueue[*testOp]) context.Context {
			q.Close()
			return context.Background()
		}, errTestClosed},
		{"a dead context", func(*WriteQueue[*testOp]) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewWriteQueue[*testOp](4, errTestClosed, errTestStalled)
			ctx := tc.setup(q)
			if err := q.Enqueue(ctx, &testOp{name: "late"}, nil); err != tc.want {
				t.Errorf("Enqueue = %v, want %v", err, tc.want)
			}
			if got := q.Depth(); got != 0 {
				t.Errorf("Depth = %d, want 0: a refused op was queued", got)
			}
		})
	}
}

// TestWriteQueueCloseWaits: Close returns only after every queued op was
// answered, and then Run returns.
func TestWriteQueueCloseWaits(t *testing.T) {
	q := NewWriteQueue[*testOp](4, errTestClosed, errTestStalled)
	w := runHeld(q)
	a := do(context.Background(), q, "a")
	<-w.started
	b := do(context.Background(), q, "b")
	for q.Depth() == 0 { // b is queued behind the held group
		select {
		case err := <-b:
			t.Fatalf("b answered before its group ran: %v", err)
		default:
			runtime.Gosched()
		}
	}
	closed := make(chan struct{})
	go func() { q.Close(); close(closed) }()
	w.release <- nil
	if got := <-w.started; !slices.Equal(got, []string{"b"}) {
		t.Errorf("second group %v, want [b]", got)
	}
	select {
	case <-closed:
		t.Fatal("Close returned before b was answered")
	default:
	}
	w.release <- nil
	<-closed
	<-w.done
	for name, answer := range map[string]<-chan error{"a": a, "b": b} {
		if err := <-answer; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
