package train

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/tensor"
)

// ErrInterrupted is returned when the run stopped on a signal after saving
// its checkpoint.
var ErrInterrupted = errors.New("interrupted")

// RunOptions are the parts of a run that are not training settings.
type RunOptions struct {
	Out    string    // the run folder
	Resume bool      // continue the run in Out
	Log    io.Writer // notes and warnings (nil: none)
	// Names, when set, is how messages name the settings (gan-train: by
	// its flags, --batch-size); nil keeps config.json's names (batch_size).
	// SettingError.Message words a returned error the same way.
	Names func(field string) string
	// OnEnd, when set, is called with the trained loop before the final
	// checkpoint (the export hooks in here).
	OnEnd func(r *Run) error
	// OnStep, when set, is called after every step with its metrics
	// record (gan-train draws its progress bar from it).
	OnStep func(Record)
	// MaxTime, when positive, ends the run once it has trained this long
	// (see Run.clock), saving and returning as at the last step.
	MaxTime time.Duration
	// Snapshots export the sampling generator at set training times.
	Snapshots []Snapshot
}

// Run is a training run in progress. It trains a GAN or a VAE, as the
// config's model kind says; GAN or VAE is set, the other is nil.
type Run struct {
	Cfg     Config
	Dir     string
	GAN     *GAN
	VAE     *VAE
	model   Model // GAN or VAE
	Data    data.Dataset
	loader  *data.Loader
	metrics *MetricsLog
	opt     RunOptions
	fixedZ  *tensor.Tensor
	fixedY  []int
	total   int
	start   time.Time
	startAt int
	epoch   int
	watch   collapseWatch
	eval    *evaluator // nil unless --eval-every

	now       func() time.Time // time.Now; tests stop it
	elapsed0  time.Duration    // trained by earlier sessions of the run
	paused    time.Duration    // spent exporting snapshots, kept off the clock
	snaps     []Snapshot       // snapshots still due
	snapIndex []string         // snapshots.csv rows written so far
}

// LoadData opens the dataset a config names.
func LoadData(cfg Config, warn func(string)) (data.Dataset, error) {
	if cfg.Data == "" || cfg.Data == "mnist" {
		ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "train")
		if err != nil {
			return nil, err
		}
		return ds, nil
	}
	bg := data.Background{Ignore: true} // how configs without a background were read
	if cfg.Background != "" {
		var err error
		if bg, err = data.ParseBackground(cfg.Background); err != nil {
			return nil, backgroundErr(err)
		}
	}
	return data.LoadFolder(cfg.Data, data.FolderOptions{
		Size: cfg.Model.Size, Channels: cfg.Model.Channels, Background: bg, Name: cfg.Dataset, Strict: cfg.Strict, Warn: warn})
}

// recordData names the data in cfg and keeps the folder loader's report,
// noting on log when a resumed run's folder no longer holds what it did.
func recordData(cfg *Config, ds data.Dataset, resume bool, log io.Writer) {
	cfg.Dataset = ds.Name()
	im, ok := ds.(*data.Images)
	if !ok || im.Report() == nil {
		return
	}
	if old := cfg.DataReport; resume && old != nil && old.Hash != im.Report().Hash {
		fmt.Fprintf(log, "note: %s: the folder's files changed since the run started (content hash %.8s, was %.8s)\n", cfg.Data, im.Report().Hash, old.Hash)
	}
	cfg.DataReport = im.Report()
}

// Start prepares a run: it checks the settings against the data, creates
// or reopens the run folder and builds the networks (Restore continues a
// resumed run's checkpoint). A setting the run cannot use is a
// *SettingError. Start leaves the kernel thread count to the caller
// (tensor.SetThreads; gan-train sets Config.Threads), as it is the
// process's.
func Start(cfg Config, ds data.Dataset, opt RunOptions) (*Run, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	c, h, w := ds.Shape()
	if h != w {
		return nil, fmt.Errorf("dataset %s has %dx%d images; gogan trains on square images", ds.Name(), w, h)
	}
	cfg.Model.Channels, cfg.Model.Size = c, h
	recordData(&cfg, ds, opt.Resume, opt.Log)
	if cfg.Conditional {
		if ds.NumClasses() < 2 {
			return nil, settingErr("conditional", "{conditional} needs labelled data, but %s has no class labels (for a folder, put each class in its own subfolder)", ds.Name())
		}
		cfg.Model.Classes = ds.NumClasses()
		cfg.ClassNames = ds.ClassNames()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ds.Len() < cfg.BatchSize {
		return nil, settingErr("batch_size", "{batch_size} %d is larger than the dataset (%d images)", cfg.BatchSize, ds.Len())
	}
	r := &Run{Cfg: cfg, Dir: opt.Out, Data: ds, opt: opt, now: time.Now}
	if err := r.planSnapshots(); err != nil {
		return nil, err
	}
	if err := r.openFolder(); err != nil {
		return nil, err
	}
	if err := r.build(); err != nil {
		return nil, err
	}
	if cfg.EvalEvery > 0 {
		var err error
		if r.eval, err = newEvaluator(cfg, ds, r.name); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// openFolder makes the run folder. config.json is written first, so a run
// killed at any moment leaves either a folder that --resume continues (it
// has config.json) or one that CheckOutDir takes as empty. Temporary files
// of writes cut short by an earlier kill are removed.
func (r *Run) openFolder() error {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return fmt.Errorf("%s %s: cannot create the run folder: %w", r.name("out"), r.Dir, err)
	}
	for _, sub := range []string{"", "samples", "checkpoints", SnapshotDir} {
		atomicfile.RemoveTemps(filepath.Join(r.Dir, sub))
	}
	if err := atomicfile.Write(filepath.Join(r.Dir, "config.json"), r.Cfg.WriteJSON); err != nil {
		return err
	}
	for _, sub := range []string{"samples", "checkpoints"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("%s %s: cannot create the run folder: %w", r.name("out"), r.Dir, err)
		}
	}
	return nil
}

// CheckOutDir refuses a non-empty folder for a new run. A folder left by a
// run killed before it wrote config.json (at most empty samples/ and
// checkpoints/ folders and temporary files) counts as empty.
func CheckOutDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return settingErr("out", "{out} %s: %v", dir, err).causedBy(err)
	}
	for _, e := range ents {
		if atomicfile.IsTemp(e.Name()) && e.Type().IsRegular() {
			continue
		}
		if e.IsDir() && (e.Name() == "samples" || e.Name() == "checkpoints") {
			if sub, err := os.ReadDir(filepath.Join(dir, e.Name())); err == nil && len(sub) == 0 {
				continue
			}
		}
		return settingErr("out", "{out} %s is not empty; choose a new folder, or continue that run with {resume} %s", dir, dir)
	}
	return nil
}

func (r *Run) build() error {
	if err := r.buildModel(); err != nil {
		return err
	}
	cfg := r.Cfg
	var err error
	if r.loader, err = data.NewLoader(r.Data, data.LoaderOptions{BatchSize: cfg.BatchSize, DropLast: true, Seed: cfg.Seed}); err != nil {
		return err
	}
	r.total = cfg.TotalSteps(r.Data.Len())
	// The sample grid's latents come from their own stream, so they are the
	// same at every step and across resumes.
	fr := rand.New(rand.NewPCG(cfg.Seed, 2))
	const gridN = 64
	r.fixedZ = tensor.Randn(fr, 0, 1, gridN, cfg.Model.ZDim)
	if k := cfg.Model.Classes; k > 0 {
		r.fixedY = make([]int, gridN)
		for i := range r.fixedY {
			r.fixedY[i] = (i % 8) % k // one class per column
			if k > 8 {
				r.fixedY[i] = i % k
			}
		}
	}
	return nil
}

// buildModel makes the GAN's G and D, or the VAE's decoder and encoder,
// with weights from the seed's stream 1 and, with --ema, the average's
// generator from stream 3.
func (r *Run) buildModel() error {
	cfg := r.Cfg
	init := rand.New(rand.NewPCG(cfg.Seed, 1))
	var ema Generator
	if cfg.EMA > 0 {
		e, err := models.NewGenerator(cfg.Model, rand.New(rand.NewPCG(cfg.Seed, 3)))
		if err != nil {
			return settingErr("model", "%v", err).causedBy(err)
		}
		ema = e
	}
	if cfg.IsVAE() {
		net, err := models.NewVAE(cfg.Model, init)
		if err != nil {
			return settingErr("model", "%v", err).causedBy(err)
		}
		if r.VAE, err = NewVAE(net, ema, cfg.VAEHyper(), cfg.Seed); err != nil {
			return err
		}
		r.model = r.VAE
		return nil
	}
	g, err := models.NewGenerator(cfg.Model, init)
	if err != nil {
		return settingErr("model", "%v", err).causedBy(err)
	}
	d, err := models.NewDiscriminator(cfg.Model, init)
	if err != nil {
		return settingErr("model", "%v", err).causedBy(err)
	}
	if r.GAN, err = NewGAN(g, d, ema, cfg.Hyper(), cfg.Seed); err != nil {
		return err
	}
	r.model = r.GAN
	return nil
}

// Model returns what the run trains: its GAN or its VAE.
func (r *Run) Model() Model { return r.model }

// Step is the number of steps trained so far.
func (r *Run) Step() int { return *r.model.Parts().Step }

// CheckpointPath is where the run's latest checkpoint lives.
func (r *Run) CheckpointPath() string { return filepath.Join(r.Dir, "checkpoints", "latest.ckpt") }

// Restore continues from the run folder's latest checkpoint.
func (r *Run) Restore() error {
	ck, err := ReadCheckpoint(r.CheckpointPath())
	if errors.Is(err, fs.ErrNotExist) {
		// Killed before its first checkpoint: the networks and the data
		// order are those of step 0, rebuilt from the seed.
		fmt.Fprintf(r.opt.Log, "note: %s has no checkpoint yet (the run stopped before its first); training it from step 0\n", r.Dir)
		return nil
	}
	if err != nil {
		return err
	}
	if err := ck.Restore(r.model); err != nil {
		return err
	}
	if err := r.loader.Restore(ck.Meta.Loader); err != nil {
		return fmt.Errorf("checkpoint: data position: %w", err)
	}
	r.epoch = ck.Meta.Epoch
	if ck.Meta.KernelPath != tensor.KernelPath() || ck.Meta.Threads != tensor.Threads() {
		fmt.Fprintf(r.opt.Log, "note: the checkpoint was written with kernel %s and %d threads, now %s and %d; the run continues, but not bit-identically\n",
			ck.Meta.KernelPath, ck.Meta.Threads, tensor.KernelPath(), tensor.Threads())
	}
	return nil
}

// Total is the step count the run trains to.
func (r *Run) Total() int { return r.total }

// Close releases the data loader.
func (r *Run) Close() {
	r.loader.Close()
	if r.metrics != nil {
		r.metrics.Close()
	}
}

// Save writes the latest checkpoint. When it cannot (a full disk, say),
// the previous one stays in place, and the error says which step it holds.
func (r *Run) Save() error {
	path := r.CheckpointPath()
	err := r.saveTo(path)
	if err == nil || errors.Is(err, ErrNotFinite) {
		return err
	}
	if ck, rerr := ReadCheckpoint(path); rerr == nil {
		return fmt.Errorf("checkpoint at step %d not saved: %w; the previous checkpoint (step %d) is intact in %s", r.Step(), err, ck.Meta.Step, path)
	}
	return fmt.Errorf("checkpoint at step %d not saved: %w; the run has no earlier checkpoint", r.Step(), err)
}

func (r *Run) saveTo(path string) error {
	return SaveCheckpoint(path, r.model, Meta{
		Config: r.Cfg, Epoch: r.epoch, Loader: r.loader.State(),
		KernelPath: tensor.KernelPath(), Threads: tensor.Threads(),
	})
}
