"""backprop-viz: a backpropagation visualizer."""
