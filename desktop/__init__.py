"""vae-digits desktop app: explore a VAE's latent space through ONNX Runtime (no torch)."""
