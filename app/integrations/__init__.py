"""The only modules that talk to third-party services. Plain values in, plain values or typed errors out."""
