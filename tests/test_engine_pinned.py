"""The engine's numbers do not change when its code is restructured: a few steps of several configs, seeded,
give the losses, scores and gradient norms that the engine of 2 Dec 2026 (main at 63d5597, before the phases
were made data) computed on this machine's CPU with one thread.

The configurations cover each path of the D and G phases: the ring toy preset, a tiny DCGAN, WGAN-GP with
3 D steps (the gradient penalty), WGAN with weight clipping and RMSprop, R1 with label smoothing and
flipping, instance noise, PacGAN and an EMA of G, and a conditional DCGAN with DiffAugment and R1. The 2-D
lab's history rows (its D-only and whole-iteration rows) are pinned too; its D-only rows have since gained the
D phase's `penalty` column (its value was computed, not shown, before).

To regenerate after a deliberate change of the maths: `python tests/test_engine_pinned.py` prints PINNED.
"""

from __future__ import annotations

import pytest
import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig, preset
from gan_core.data import load_dataset
from gan_core.engine import METRICS, Engine

CPU = torch.device("cpu")
STEPS = 4

CONFIGS: dict[str, dict] = {
    "ring8-mlp": dict(preset="ring8-mlp"),
    "dcgan": dict(dataset="digits", arch="dcgan", width=8, latent_dim=16, batch_size=32),
    "wgan-gp": dict(
        dataset="ring8",
        arch="mlp",
        loss="wgan-gp",
        d_steps=3,
        latent_dim=2,
        width=32,
        batch_size=64,
        beta1=0.0,
        beta2=0.9,
    ),
    "wgan-clip": dict(preset="ring8-wgan", width=32, batch_size=64, d_steps=2),
    "r1-tricks": dict(
        dataset="ring8",
        arch="toy-mlp",
        depth=2,
        width=32,
        latent_dim=2,
        batch_size=64,
        r1_weight=1.0,
        label_smoothing=0.1,
        label_flip=0.1,
        instance_noise=0.2,
        pac=2,
        ema_decay=0.9,
    ),
    "cond-diffaug": dict(
        dataset="digits",
        arch="dcgan",
        width=8,
        latent_dim=16,
        batch_size=32,
        conditioning="projection",
        diffaug="color,translation,cutout",
        r1_weight=0.5,
    ),
}


def config(name: str) -> TrainConfig:
    kw = dict(CONFIGS[name])
    base = preset(kw.pop("preset")) if "preset" in kw else TrainConfig()
    return validate_config(base.replace(
        steps=100, seed=3, device="cpu", precision="fp32", channels_last="off", score_every=0, **kw
    ))


def trajectory(name: str) -> list[list[float]]:
    """The metric row of each of the first STEPS iterations (one flush per step)."""
    cfg = config(name)
    e = Engine(cfg, load_dataset(cfg), CPU)
    rows = []
    for _ in range(STEPS):
        e.train_step()
        w = e.flush().values
        rows.append([w[k] for k in METRICS])
    return rows


def lab_history() -> list[dict[str, float]]:
    from gan_core.toylab import ToyLab

    lab = ToyLab(preset("ring8-lab").replace(seed=5, device="cpu"), threads=None)
    lab.step_d()
    lab.step_g()
    lab.step_d()
    lab.step_d()  # a second D phase in the same iteration
    lab.step_both()
    lab.step_phase()
    lab.step_phase()
    return lab.history


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(1.0, abs(b))  # a change of the maths or of the draws moves them far more


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_first_steps_give_the_pinned_metrics(name):
    got = trajectory(name)
    want = PINNED[name]
    for step, (g, w) in enumerate(zip(got, want), 1):
        bad = [f"{k}: {a!r} != {b!r}" for k, a, b in zip(METRICS, g, w) if not close(a, b)]
        assert not bad, f"{name}, step {step}: " + "; ".join(bad)


def test_the_lab_history_is_pinned():
    got = lab_history()
    assert [sorted(r) for r in got] == [sorted(r) for r in LAB_PINNED]
    for i, (g, w) in enumerate(zip(got, LAB_PINNED)):
        bad = [f"{k}: {g[k]!r} != {w[k]!r}" for k in w if not close(g[k], w[k])]
        assert not bad, f"row {i}: " + "; ".join(bad)


PINNED: dict[str, list[list[float]]] = {
    "ring8-mlp": [
        [
            1.3962761163711548,
            0.6910382509231567,
            0.49073731899261475,
            0.4952114224433899,
            0.5722297430038452,
            0.9006405472755432,
            0.0,
        ],
        [
            1.5185762643814087,
            0.7924709916114807,
            0.5368239283561707,
            0.5854421854019165,
            1.53914213180542,
            0.487775057554245,
            0.0,
        ],
        [
            1.3916494846343994,
            1.0956768989562988,
            0.46455439925193787,
            0.4628738760948181,
            1.0887008905410767,
            1.6797112226486206,
            0.0,
        ],
        [
            1.3791234493255615,
            0.8963776230812073,
            0.4228094220161438,
            0.4031108021736145,
            0.5954150557518005,
            1.5947015285491943,
            0.0,
        ],
    ],
    "dcgan": [
        [
            1.3763575553894043,
            0.7621927261352539,
            0.4752621054649353,
            0.4685836434364319,
            1.8505604267120361,
            0.17160570621490479,
            0.0,
        ],
        [
            1.3803839683532715,
            0.765799880027771,
            0.47197985649108887,
            0.4669422209262848,
            1.8531184196472168,
            0.18054549396038055,
            0.0,
        ],
        [
            1.3639135360717773,
            0.7681794166564941,
            0.47807326912879944,
            0.46507084369659424,
            1.836129903793335,
            0.1874271035194397,
            0.0,
        ],
        [
            1.351441740989685,
            0.7720929384231567,
            0.4835076630115509,
            0.4643735885620117,
            2.0665860176086426,
            0.19869312644004822,
            0.0,
        ],
    ],
    "wgan-gp": [
        [
            6.775609016418457,
            0.0903395414352417,
            -0.08718202263116837,
            -0.09014160931110382,
            23.923521041870117,
            0.7876050472259521,
            0.6778568625450134,
        ],
        [
            6.097805023193359,
            0.0835360586643219,
            -0.05670556426048279,
            -0.08182783424854279,
            23.301172256469727,
            0.92267245054245,
            0.6122927069664001,
        ],
        [
            5.591638565063477,
            0.07292933762073517,
            -0.05684908479452133,
            -0.08004697412252426,
            22.49248504638672,
            1.0940741300582886,
            0.56148362159729,
        ],
        [
            4.772655963897705,
            0.07020451128482819,
            -0.09082063287496567,
            -0.06862984597682953,
            21.855863571166992,
            1.2229582071304321,
            0.4750465452671051,
        ],
    ],
    "wgan-clip": [
        [
            -0.000930488109588623,
            0.02434949204325676,
            -0.02299027517437935,
            -0.023920763283967972,
            0.04472801834344864,
            0.037798408418893814,
            0.0,
        ],
        [
            0.000780424103140831,
            0.022777756676077843,
            -0.02355995960533619,
            -0.02277953550219536,
            0.03798757493495941,
            0.03269150108098984,
            0.0,
        ],
        [
            -0.00040297582745552063,
            0.022146616131067276,
            -0.021460391581058502,
            -0.021863367408514023,
            0.04974916949868202,
            0.02660137601196766,
            0.0,
        ],
        [
            0.0009579509496688843,
            0.02242402359843254,
            -0.022671300917863846,
            -0.02171334996819496,
            0.038695573806762695,
            0.019049225375056267,
            0.0,
        ],
    ],
    "r1-tricks": [
        [
            1.4034026861190796,
            0.6421602964401245,
            0.527307391166687,
            0.5268394947052002,
            0.2641426622867584,
            0.031994640827178955,
            0.0035660683643072844,
        ],
        [
            1.4062162637710571,
            0.6439513564109802,
            0.5247716903686523,
            0.5263687372207642,
            0.30516257882118225,
            0.03690990433096886,
            0.0036519269924610853,
        ],
        [
            1.3954600095748901,
            0.6454107761383057,
            0.5265893936157227,
            0.5247641801834106,
            0.21148626506328583,
            0.04026312381029129,
            0.003197352634742856,
        ],
        [
            1.4188501834869385,
            0.6489062309265137,
            0.5247756242752075,
            0.5241885185241699,
            0.4968596398830414,
            0.03192070871591568,
            0.0049981847405433655,
        ],
    ],
    "cond-diffaug": [
        [
            1.3863205909729004,
            0.6817326545715332,
            0.5058157444000244,
            0.5057599544525146,
            0.022548463195562363,
            0.0011967988684773445,
            1.938009518198669e-06,
        ],
        [
            1.3864035606384277,
            0.6819384098052979,
            0.5056751370429993,
            0.5056633353233337,
            0.024046145379543304,
            0.0013236614177003503,
            1.9033969920201343e-06,
        ],
        [
            1.386156678199768,
            0.6823237538337708,
            0.5055685639381409,
            0.5054374933242798,
            0.02262529544532299,
            0.0014478816883638501,
            1.8016119156527566e-06,
        ],
        [
            1.3861274719238281,
            0.6825700402259827,
            0.5056082010269165,
            0.5054614543914795,
            0.024150168523192406,
            0.0014903827104717493,
            1.9724982394109247e-06,
        ],
    ],
}
LAB_PINNED: list[dict[str, float]] = [
    {
        "step": 0.0,
        "d_updates": 1.0,
        "g_updates": 0.0,
        "d_loss": 1.3991832733154297,
        "d_real": 0.4591444134712219,
        "d_fake": 0.46220773458480835,
        "grad_norm_d": 0.28147146105766296,
        "penalty": 0.0,  # D-only rows: the D phase's metrics, penalty included since the phases became data
    },
    {
        "step": 1.0,
        "d_updates": 1.0,
        "g_updates": 1.0,
        "d_loss": 1.3991832733154297,
        "g_loss": 0.7648309469223022,
        "d_real": 0.4591444134712219,
        "d_fake": 0.46220773458480835,
        "grad_norm_d": 0.28147146105766296,
        "grad_norm_g": 0.06248842924833298,
        "penalty": 0.0,
        "lr_g": 0.001,
        "lr_d": 0.001,
    },
    {
        "step": 1.0,
        "d_updates": 2.0,
        "g_updates": 1.0,
        "d_loss": 1.3890950679779053,
        "d_real": 0.467235267162323,
        "d_fake": 0.46617451310157776,
        "grad_norm_d": 0.2733282148838043,
        "penalty": 0.0,  # D-only rows: the D phase's metrics, penalty included since the phases became data
    },
    {
        "step": 1.0,
        "d_updates": 3.0,
        "g_updates": 1.0,
        "d_loss": 1.3821396827697754,
        "d_real": 0.472657710313797,
        "d_fake": 0.46862077713012695,
        "grad_norm_d": 0.2734239101409912,
        "penalty": 0.0,  # D-only rows: the D phase's metrics, penalty included since the phases became data
    },
    {
        "step": 2.0,
        "d_updates": 4.0,
        "g_updates": 2.0,
        "d_loss": 1.367985725402832,
        "g_loss": 0.7489414215087891,
        "d_real": 0.4817168116569519,
        "d_fake": 0.47122111916542053,
        "grad_norm_d": 0.2873893678188324,
        "grad_norm_g": 0.09483414143323898,
        "penalty": 0.0,
        "lr_g": 0.001,
        "lr_d": 0.001,
    },
    {
        "step": 2.0,
        "d_updates": 5.0,
        "g_updates": 2.0,
        "d_loss": 1.3722755908966064,
        "d_real": 0.4820401072502136,
        "d_fake": 0.47370171546936035,
        "grad_norm_d": 0.26632267236709595,
        "penalty": 0.0,  # D-only rows: the D phase's metrics, penalty included since the phases became data
    },
    {
        "step": 3.0,
        "d_updates": 5.0,
        "g_updates": 3.0,
        "d_loss": 1.3722755908966064,
        "g_loss": 0.7436867356300354,
        "d_real": 0.4820401072502136,
        "d_fake": 0.47370171546936035,
        "grad_norm_d": 0.26632267236709595,
        "grad_norm_g": 0.11769556254148483,
        "penalty": 0.0,
        "lr_g": 0.001,
        "lr_d": 0.001,
    },
]


if __name__ == "__main__":
    torch.set_num_threads(1)
    print("PINNED: dict[str, list[list[float]]] = {")
    for n in CONFIGS:
        print(f"    {n!r}: [")
        for row in trajectory(n):
            print(f"        {row!r},")
        print("    ],")
    print("}")
    print("LAB_PINNED: list[dict[str, float]] = [")
    for row in lab_history():
        print(f"    {row!r},")
    print("]")
