package infer

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrent8 shares one Generator among 8 goroutines, each with its
// own mix of batch sizes, labels, truncation and reused Batches, as a
// server would; every result must equal the request's result alone. Run it
// under the race detector (make test-race) to check the session, the
// buffer pool and the batch reuse for data races.
func TestConcurrent8(t *testing.T) {
	g := openTest(t, condModel, WithMaxBatch(4))
	ctx := context.Background()
	reqs := make([]Request, 8)
	for i := range reqs {
		reqs[i] = Request{Seeds: seeds(100*i, 1+i%6), Labels: []int{i % 3}}
		if i%3 == 2 {
			reqs[i].Truncation = 0.7
		}
	}
	want := make([]string, len(reqs))
	for i, r := range reqs {
		b, err := g.Generate(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fmt.Sprint(b.Data)
	}
	const rounds = 10
	var wg sync.WaitGroup
	errs := make(chan error, len(reqs))
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b Batch // reused across rounds, as gan-gen does
			for k := 0; k < rounds; k++ {
				var err error
				if k%2 == 0 {
					err = g.GenerateInto(ctx, &b, r)
				} else {
					var nb *Batch
					nb, err = g.Generate(ctx, r)
					if nb != nil {
						b = *nb
					}
				}
				if err == nil && fmt.Sprint(b.Data) != want[i] {
					err = fmt.Errorf("goroutine %d, round %d: images differ from a lone run", i, k)
				}
				if err == nil && b.Len() > 0 {
					_ = b.Image(b.Len() - 1) // read the batch while others write theirs
				}
				if err != nil {
					errs <- err
					return
				}
				_ = g.Info()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
