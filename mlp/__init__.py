"""mlp: a small numpy library of neural-network layers, losses and optimizers,
written to be read alongside the book *Backpropagation from Scratch*."""

from . import data, init, plot
from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .core import Layer, Parameter, Sequential
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .layers import Dense, Dropout
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss
from .normalization import BatchNorm
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm
from .train import History, accuracy, fit, predict

__version__ = "0.1.0"

__all__ = [
    "Parameter",
    "Layer",
    "Sequential",
    "Dense",
    "Dropout",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "BatchNorm",
    "Loss",
    "MSELoss",
    "BCELoss",
    "CrossEntropyLoss",
    "BCEWithLogitsLoss",
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "clip_grad_norm",
    "numerical_gradient",
    "relative_error",
    "check_gradients",
    "History",
    "fit",
    "predict",
    "accuracy",
    "data",
    "init",
    "plot",
]
