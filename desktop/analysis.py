"""One pipeline from a picture to what the app says about it, for the window and `vae-digits
encode` alike: the card's preprocessing recipe, the encoder, the reconstruction, the negative
ELBO and how typical that is among the test set. Pure numpy: no Qt."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.imaging import gray_to_ink, to_input


@dataclass(eq=False)
class Encoding:
    """A picture as the model sees it. `neg_elbo` and `percentile` are None while a stroke is
    still being drawn (the multi-sample estimate waits for the finished stroke)."""

    input: np.ndarray  # (H, W) float32 in [0, 1], the model's input
    z_mean: np.ndarray  # (L,)
    z_log_var: np.ndarray  # (L,)
    reconstruction: np.ndarray  # (H, W), the decoded z_mean
    neg_elbo: float | None = None  # nats
    percentile: float | None = None  # share of test images with a lower negative ELBO, in %

    @property
    def sigma(self) -> np.ndarray:
        return np.exp(0.5 * self.z_log_var)


def decode_picture(runtime, z: np.ndarray) -> np.ndarray:
    """One latent point (L,) -> its decoded (H, W) picture in [0, 1]."""
    return runtime.decode(np.asarray(z)[None])[0].reshape(runtime.card.image_size)


def analyse(runtime, ink: np.ndarray, full: bool = True) -> Encoding | None:
    """Ink (high on a 0 background, any size) -> Encoding by the model card's recipe; None when
    blank. `full` adds the negative ELBO and its percentile (one batched decode of the card's
    number of eps draws)."""
    x = to_input(ink, runtime.card.recipe, runtime.card.image_size[0])
    if x is None:
        return None
    z_mean, z_log_var = runtime.encode(x.reshape(1, -1))
    z_mean, z_log_var = z_mean[0], z_log_var[0]
    enc = Encoding(x, z_mean, z_log_var, decode_picture(runtime, z_mean))
    if full:
        enc.neg_elbo = runtime.neg_elbo(x.ravel(), z_mean, z_log_var)
        enc.percentile = runtime.latents.percentile(enc.neg_elbo)
    return enc


def analyse_picture(runtime, gray: np.ndarray) -> Encoding | None:
    """A grayscale picture in [0, 1] (any polarity, any background) -> Encoding, or None when blank."""
    return analyse(runtime, gray_to_ink(gray))


def typicality(enc: Encoding, card) -> str:
    """A plain sentence on how typical the picture is, in the card's words."""
    if enc.percentile is None:
        return "finish the stroke to score it"
    worse = 100.0 - enc.percentile
    verdict = (f"a typical {card.subject[0]}" if enc.percentile <= 90 else "unusual" if enc.percentile <= 99
               else f"unlike any test {card.subject[0]}")
    return (f"{worse:.0f}% of the {card.test_images:,} test {card.subject[1]} fit the model worse "
            f"(a higher −ELBO): {verdict}")


def point_text(values) -> str:
    """A latent point as shown under previews and walk frames: '(0.12, -1.50)'."""
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


def with_article(noun: str) -> str:
    """'a digit', 'an item of clothing'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def as_json(enc: Encoding, model: str) -> dict:
    """What `vae-digits encode` prints."""
    return {"model": model, "z_mean": enc.z_mean.tolist(), "z_log_var": enc.z_log_var.tolist(),
            "neg_elbo": enc.neg_elbo, "percentile": enc.percentile}
