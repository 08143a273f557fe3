"""The maths of backprop-viz: pure numpy, no web imports."""
