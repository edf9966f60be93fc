"""The command line's tests share one untrained model folder (and its network)."""
import pytest

from engine_fixtures import write_random_network


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return write_random_network(tmp_path_factory.mktemp("weights"), seed=1)


@pytest.fixture(scope="module")
def network(weights):
    from pyapp.engine.network import load_network

    return load_network(weights)
