"""mlp: a small numpy library of neural-network layers, losses and optimizers,
written to be read alongside the book *Backpropagation from Scratch*."""

from . import data, init, plot
from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .core import Layer, Parameter, Sequential
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .layers import Dense, Dropout
from .losses import BCELoss, CrossEntropyLoss, Loss, MSELoss
from .normalization import BatchNorm
from .optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
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
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
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
