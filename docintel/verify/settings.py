"""Thresholds of the case rules: documented defaults in `default_settings.toml`, overridable by a user file.

`load_settings()` reads the defaults shipped with the package, then the file named by
`DOCINTEL_SETTINGS` (or the `path` argument) on top, section by section. Unknown keys are refused, so
a misspelt key cannot silently leave a default in force.
"""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docintel.entities import NameMatchSettings
from docintel.errors import DocintelError

DEFAULT_SETTINGS_PATH = Path(__file__).with_name("default_settings.toml")
SETTINGS_ENV = "DOCINTEL_SETTINGS"


class SettingsError(DocintelError):
    """A settings file that cannot be read or does not validate."""

    reason = "invalid_settings"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NameSettings(_Section):
    fuzzy_min_ratio: float = Field(ge=0, le=100)
    fuzzy_max_edits: int = Field(ge=0)

    def as_match_settings(self) -> NameMatchSettings:
        return NameMatchSettings(fuzzy_min_ratio=self.fuzzy_min_ratio, fuzzy_max_edits=self.fuzzy_max_edits)


class AmountSettings(_Section):
    relative_tolerance: Decimal = Field(ge=0)
    rounding: Decimal = Field(ge=0)
    unit_price_tolerance: Decimal = Field(ge=0)
    default_vat_rate: Decimal = Field(ge=0)


class ScaleSettings(_Section):
    months_of_operating_cost: Decimal = Field(gt=0)
    share_of_total_assets: Decimal = Field(gt=0)
    loan_amount_factor: Decimal = Field(gt=0)


class QuantitySettings(_Section):
    default_max: Decimal = Field(gt=0)
    max_by_unit: dict[str, Decimal] = Field(default_factory=dict)


class GoodsSettings(_Section):
    min_similarity: float = Field(ge=0, le=100)


class Settings(_Section):
    names: NameSettings
    amounts: AmountSettings
    scale: ScaleSettings
    quantity: QuantitySettings
    goods: GoodsSettings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(path: str | Path | None = None) -> Settings:
    """The defaults, overridden by `path` or else by the file `DOCINTEL_SETTINGS` names."""
    data = _read_toml(DEFAULT_SETTINGS_PATH)
    user_path = path if path is not None else os.environ.get(SETTINGS_ENV)
    if user_path:
        data = _merge(data, _read_toml(Path(user_path)))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid settings ({user_path or DEFAULT_SETTINGS_PATH}): {problems}") from exc
