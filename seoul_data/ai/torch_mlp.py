"""A small PyTorch network (multi-layer perceptron) as a scikit-learn regressor, trained on
the GPU when the container has one, with its CPU threads set from the container's quota.

Pickling keeps the settings and drops the network: :mod:`seoul_data.ai.saved` stores the
weights as a torch state dict beside it and puts them back on load.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin


class TorchRegressor(RegressorMixin, BaseEstimator):
    """MLP regressor. hidden: layer widths; device: 'auto' (GPU when present), 'cpu',
    'cuda'; threads: CPU threads for torch (default: the container's quota)."""

    def __init__(
        self,
        hidden=(64, 64),
        epochs=300,
        lr=1e-2,
        batch_size=512,
        weight_decay=1e-4,
        device="auto",
        threads=None,
        seed=0,
    ):
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.device = device
        self.threads = threads
        self.seed = seed

    def _device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _network(self, inputs: int):
        import torch

        layers, width = [], inputs
        for size in self.hidden:
            layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
            width = size
        layers.append(torch.nn.Linear(width, 1))
        return torch.nn.Sequential(*layers)

    def fit(self, X, y):
        import torch

        from seoul_data.ai.quota import cpu_quota

        torch.set_num_threads(self.threads or cpu_quota())
        torch.manual_seed(self.seed)
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        self.n_features_in_ = X.shape[1]
        self.device_ = self._device()
        net = self._network(X.shape[1]).to(self.device_)
        data = torch.from_numpy(X).to(self.device_)
        goal = torch.from_numpy((y - self.y_mean_) / self.y_scale_).to(self.device_)
        optimiser = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, self.epochs)
        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        loss_fn = torch.nn.MSELoss()
        for _ in range(self.epochs):
            order = torch.randperm(len(data), generator=generator).to(self.device_)
            for start in range(0, len(data), self.batch_size):
                batch = order[start : start + self.batch_size]
                optimiser.zero_grad()
                loss = loss_fn(net(data[batch]), goal[batch])
                loss.backward()
                optimiser.step()
            schedule.step()
        self.net_ = net.eval()
        return self

    def predict(self, X):
        import torch

        X = torch.from_numpy(np.asarray(X, dtype=np.float32)).to(self.device_)
        with torch.no_grad():
            out = self.net_(X).cpu().numpy().ravel()
        return out * self.y_scale_ + self.y_mean_

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("net_", None)
        return state

    def state_dict(self):
        """The trained weights (for ``torch.save``)."""
        return self.net_.state_dict()

    def load_state_dict(self, weights) -> None:
        """Rebuild the network and put trained weights back (on this machine's device)."""
        self.device_ = self._device()
        net = self._network(self.n_features_in_)
        net.load_state_dict(weights)
        self.net_ = net.to(self.device_).eval()
