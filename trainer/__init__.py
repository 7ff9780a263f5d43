"""Trainer for vae-digits: learns a VAE on MNIST-format data and exports it to ONNX."""
