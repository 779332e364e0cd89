# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""A TF1 program that seeds itself twice: ``tf.set_random_seed(5)`` on the default graph (the
tutorial way) and ``graph_session(seed=0)`` (the built-in examples' way); prints one drawn
initial weight of each, and a NumPy draw after both."""
import numpy as np
import tensorflow as tf

from tf1_compat.runtime import graph_session

tf.set_random_seed(5)
w = tf.Variable(tf.random_normal([3, 2]))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("default_graph", float(sess.run(w)[0, 0]))

with graph_session(seed=0) as (graph, sess):
    v = tf.Variable(tf.random_uniform([4]))
    sess.run(tf.global_variables_initializer())
    print("graph_session", float(sess.run(v)[0]))
print("numpy", float(np.random.rand()))
