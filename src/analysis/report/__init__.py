"""The annual figure set: figure files and manifest, reviewer pages and index."""
