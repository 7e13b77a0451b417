package models

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// LeNet has PyTorch's MNIST-example names and sizes, and its logits are
// fc2 of the features it reports.
func TestLeNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := NewLeNet(1, 28, 28, 10, rng)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range nn.StateDict(m) {
		names = append(names, p.Name)
	}
	want := []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
	if !reflect.DeepEqual(names, want) || nn.CountParams(m) != 832+51264+401536+1290 {
		t.Errorf("state_dict %v with %d parameters", names, nn.CountParams(m))
	}
	x := tensor.Randn(rng, 0, 1, 3, 1, 28, 28)
	feats, logits := m.Features(x)
	if !tensor.SameShape(feats.Shape(), []int{3, LeNetFeatures}) || !tensor.SameShape(logits.Shape(), []int{3, 10}) {
		t.Fatalf("features %v, logits %v", feats.Shape(), logits.Shape())
	}
	for _, v := range feats.Data {
		if v < 0 {
			t.Fatal("features are taken after ReLU, yet one is negative")
		}
	}
	again := m.fc2.Forward(feats)
	if !reflect.DeepEqual(again.Data, logits.Data) || !reflect.DeepEqual(m.Forward(x).Data, logits.Data) {
		t.Error("logits are not fc2 of the features")
	}
	// Every parameter takes a gradient from a classification loss.
	tensor.SoftmaxCrossEntropy(logits, []int{1, 2, 3}).Backward()
	for _, p := range m.Params() {
		if p.T.Grad == nil {
			t.Errorf("%s has no gradient", p.Name)
		}
	}
	// Sizes that are not a multiple of 4 floor through the poolings.
	if m, err := NewLeNet(3, 30, 30, 2, rng); err != nil || m.fc1.In != 64*7*7 {
		t.Errorf("30x30 RGB: %v, fc1 in %d", err, m.fc1.In)
	}
	for _, bad := range [][4]int{{0, 28, 28, 10}, {1, 3, 28, 10}, {1, 28, 28, 1}} {
		if _, err := NewLeNet(bad[0], bad[1], bad[2], bad[3], rng); err == nil {
			t.Errorf("NewLeNet%v accepted", bad)
		}
	}
}
