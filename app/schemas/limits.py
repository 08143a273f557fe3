"""Every limit of the API, in one place; the README's "Limits" table repeats them."""

MAX_WEIGHT_LAYERS = 10
MAX_NEURONS = 64
MAX_EXAMPLES = 4096
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_LEARNING_RATE = 100.0
MAX_REGULARIZATION_RATE = 10.0
MAX_SEED = 2**32 - 1
MAX_GRADIENT_CHECK_PARAMETERS = 1000
# The gradient check runs two forward passes per parameter over every example: examples ×
# parameters² bounds its time (1e8 is about a second here; 2,000 examples × 950 parameters,
# 3.6e9, took 16 s before this bound).
MAX_GRADIENT_CHECK_WORK = 100_000_000
# Every number in a request lies within ± this: far past any value a lesson needs, and far
# enough from overflow that a step or a slice computes in finite numbers.
MAX_ABS_VALUE = 1e9
# examples x neurons past the input layer: bounds the work and the answer (about 100 bytes a
# value across z, a and the three backward arrays, so at most about 13 MB of JSON).
MAX_TRACE_VALUES = 131_072
MAX_SLICE_POINTS = 201

MAX_POINTS = 2000
MAX_EPOCHS = 1000
MAX_BOUNDARY_RESOLUTION = 100
# Two bounds keep one /train call to about a second: mini-batch steps (each costs tens of
# microseconds however small the network) and epochs x training points x parameters.
MAX_BATCH_STEPS = 40_000
MAX_TRAIN_WORK = 200_000_000
# And a step's cost grows with depth: mini-batch steps × weight layers (40,000 steps through
# seven layers took 1.5 s; this bound keeps any depth near half a second).
MAX_LAYER_STEPS = 120_000
# Grid points × neurons a /train boundary may answer: the outputs' grid and every hidden
# neuron's (ten layers of 64 on a 100×100 grid answered 43 MB before this bound).
MAX_BOUNDARY_VALUES = 200_000
# Epoch numbers and optimizer step counts: a billion is more than any run reaches.
MAX_EPOCH_NUMBER = 1_000_000_000

# The step-through: how far into training a state may be (each step is one more /trace).
MAX_ITERATION = 500
MAX_STEPS_IN_TRAINING_STEP = 10_000

# The lab's own page draws at most this many hidden layers of this many neurons (the API's /train
# takes MAX_WEIGHT_LAYERS of MAX_NEURONS); a presented lab's settings hold to the page's.
LAB_MAX_HIDDEN_LAYERS = 6
LAB_MAX_NEURONS = 8

# Live sessions
# A presented lab's loss curve, thinned to this many points: a late joiner sees the whole run.
MAX_LOSS_POINTS = 200
MAX_SESSION_STATE_BYTES = 1024 * 1024
DEFAULT_MAX_SESSIONS = 1000
# A session lives this long after its last change at most, followers or not (the outer bound)...
DEFAULT_SESSION_TTL_SECONDS = 24 * 3600
# ...and this long with no change and no follower: a lesson and its breaks, not a day.
DEFAULT_SESSION_IDLE_SECONDS = 3 * 3600
# Live sessions one client address may hold (an IPv6 address counts by its /64): a school's
# teachers behind one NAT address present at once, and one client fills 2% of the server's 1,000.
DEFAULT_SESSIONS_PER_ADDRESS = 20
# Wrong join codes one client address may try a minute, with twice that at once: a class behind
# one address joining together mistypes a few; a guesser gets 14,400 tries a day (the arithmetic
# is beside the codes, in app/sessions/store.py).
DEFAULT_JOIN_MISSES_PER_MINUTE = 10

# What a session's step-through frame costs the server: it replays every training step up to the
# state's position, then traces that step (with the page's per-example gradients and gradient
# check) and its loss slice, as the presenter's page does. Work is counted in values a step
# touches (about 25 ns each here): examples × neurons (every layer, inputs too), plus
# examples × parameters / 100 for the products (BLAS does those fast), plus the parameters (an
# optimizer's update), plus a fixed cost per weight layer (numpy's calls, about 15 µs).
STEP_LAYER_WORK = 600
STEP_PRODUCT_DIVISOR = 100
# The traced step itself, its loss slice (85 forward passes) and its answer's encoding cost about
# this many steps more than the replay.
FRAME_EXTRA_STEPS = 25
# A forward pass is about a quarter of a training step (the gradient check's unit: two a parameter).
FORWARD_STEP_FRACTION = 0.25
# A frame's whole work, about a second: the heaviest accepted frames took 0.96 s (64 inputs and
# 32 outputs on 4,096 examples, 58 steps in) and 0.95 s (ten layers of one neuron on 4,096
# examples, 500 steps in) here (`python bench/session_frames.py`, best of 3, 2 cores with other
# work running); ten layers of 64 on 204 examples, 119 steps in, 0.5 s (its 500 steps, accepted
# before this bound, replayed in 1.9 s, and far longer on a busy machine). A state past it is
# refused (422 naming state.position.iteration); a gradient check that would take the frame past
# it is left out of the frame.
MAX_FRAME_WORK = 40_000_000
# A frame that has taken this much of its thread's CPU, five times its budget, is stopped between
# its parts (503, and what it replayed is kept for a retry): numbers so small they compute slowly
# escape a model that counts values (subnormal inputs, 1e-310, made the 0.96 s frame above take
# 6 s). Five, not fewer: on this machine busy with other work, a frame's CPU time grew fourfold.
MAX_FRAME_SECONDS = 5.0
