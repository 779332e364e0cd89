"""The articles' own programs that are not TensorFlow: the NumPy RNN written from scratch
(:mod:`.binary_addition_numpy_rnn`) and the PyTorch airline-passenger forecaster
(:mod:`.airline_passengers`), each restructured into functions but computing what the
article computes. They run beside the TF1 and Keras 3 sides as references (``--impl numpy``,
``--impl torch``).
"""
