"""The reference design in Keras: the classic Keras VAE example (`variational_autoencoder.py`, after
Kingma & Welling), timed per epoch on the shared MNIST subset. A benchmark, not part of the trainer.

Runs in its own venv (tensorflow-cpu + tf-keras, Keras 2 API), not the project's torch venv:

    make bench-reference                              # this, then trainer.bench beside it
    .venv-keras/bin/python trainer/reference_keras.py [--data-dir DIR] [--epochs 6]

`--jit-compile` compiles each step with XLA: not what the example does, but a stronger reference.

Prints one human line, the final validation loss and, last, KERAS_SECONDS_PER_EPOCH=<median s/epoch
over epochs 2..N>; epoch 1 pays for graph tracing and is reported apart. Epoch times include that
epoch's validation on the test set.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORIGINAL_DIM, INTERMEDIATE_DIM, LATENT_DIM, BATCH_SIZE = 784, 256, 2, 100


def build_vae(keras, jit_compile: bool = False):
    K = keras.backend

    def sampling(args):
        z_mean, z_log_var = args
        return z_mean + K.exp(z_log_var / 2) * K.random_normal(shape=K.shape(z_mean))

    class VAELoss(keras.layers.Layer):  # the example's CustomVariationalLayer
        def call(self, inputs):
            x, x_decoded, z_mean, z_log_var = inputs
            xent = ORIGINAL_DIM * keras.metrics.binary_crossentropy(x, x_decoded)
            # KL(q(z|x) || N(0, I)) in closed form, Kingma & Welling 2014, appendix B
            kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
            self.add_loss(K.mean(xent + kl))
            return x_decoded

    x = keras.Input(shape=(ORIGINAL_DIM,))
    h = keras.layers.Dense(INTERMEDIATE_DIM, activation="relu")(x)
    z_mean = keras.layers.Dense(LATENT_DIM)(h)
    z_log_var = keras.layers.Dense(LATENT_DIM)(h)
    z = keras.layers.Lambda(sampling)([z_mean, z_log_var])
    h_decoded = keras.layers.Dense(INTERMEDIATE_DIM, activation="relu")(z)
    x_decoded = keras.layers.Dense(ORIGINAL_DIM, activation="sigmoid")(h_decoded)
    vae = keras.Model(x, VAELoss()([x, x_decoded, z_mean, z_log_var]))
    vae.compile(optimizer="rmsprop", loss=None, jit_compile=jit_compile)
    return vae


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "mnist"))
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--jit-compile", action="store_true",
                   help="compile each step with XLA (not the example's default; faster here)")
    args = p.parse_args()
    if args.epochs < 2:
        p.error("--epochs must be at least 2 (epoch 1 is tracing; the median is over epochs 2..N)")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before tensorflow is imported
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    sys.path.insert(0, str(REPO))
    from trainer.data import load_dataset  # numpy only; nothing torch-based

    data = load_dataset("mnist", args.data_dir)
    x_train = data.train_x.astype(np.float32) / 255
    x_test = data.test_x.astype(np.float32) / 255

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # after this epoch's validation
            self.times.append(time.perf_counter() - self.t)

    keras.utils.set_random_seed(0)
    vae = build_vae(keras, args.jit_compile)
    timer = EpochTimer()
    hist = vae.fit(x_train, None, shuffle=True, epochs=args.epochs, batch_size=BATCH_SIZE,
                   validation_data=(x_test, None), callbacks=[timer], verbose=0)

    per_epoch = statistics.median(timer.times[1:])
    threads = tf.config.threading.get_intra_op_parallelism_threads()
    threads = threads or f"{len(os.sched_getaffinity(0))} (TF default: one per schedulable CPU)"
    xla = ", XLA" if args.jit_compile else ""
    print(f"keras reference{xla} (tensorflow {tf.__version__}, tf-keras {keras.__version__}, intra-op threads "
          f"{threads}): {per_epoch:.2f} s/epoch (median of epochs 2-{args.epochs}; {len(x_train)} training "
          f"images, validation on {len(x_test)} included); first epoch {timer.times[0]:.1f} s")
    print("epoch times (s): " + " ".join(f"{t:.2f}" for t in timer.times))
    print(f"final loss per image (784 * BCE + KL, nats): training {hist.history['loss'][-1]:.1f}, "
          f"validation {hist.history['val_loss'][-1]:.1f}")
    print(f"KERAS_SECONDS_PER_EPOCH={per_epoch:.3f}")


if __name__ == "__main__":
    main()
