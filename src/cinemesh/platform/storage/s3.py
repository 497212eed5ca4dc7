"""Object store on S3 or anything that speaks its API (AWS, MinIO, moto).

boto3 is synchronous, so every call runs on a dedicated thread pool sized like the client's
connection pool: a burst of segment uploads can neither starve the loop's default executor
(used by everyone else) nor queue behind a pool with fewer connections than threads.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cinemesh.platform.storage._content_type import resolve_content_type
from cinemesh.platform.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidRangeError,
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    ObjectStoreError,
    validate_key,
    validate_prefix,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectTypeDef

T = TypeVar("T")

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_MAX_LIST_PAGE = 1000  # S3's ceiling for ListObjectsV2 and DeleteObjects
MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_CHUNK_SIZE = 8 * 1024 * 1024


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3ObjectStore(ObjectStore):
    def __init__(
        self,
        *,
        bucket: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        max_connections: int = 32,
        list_page_size: int = _MAX_LIST_PAGE,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunk_size: int = MULTIPART_CHUNK_SIZE,
    ) -> None:
        if not 1 <= list_page_size <= _MAX_LIST_PAGE:
            raise ValueError(f"list_page_size must be within 1..{_MAX_LIST_PAGE}")
        self._bucket = bucket
        self._region = region
        self._list_page_size = list_page_size
        config = Config(
            region_name=region,
            signature_version="s3v4",
            max_pool_connections=max_connections,
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
            # Custom endpoints (MinIO, moto) rarely have wildcard DNS for virtual-hosted buckets.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        # None credentials fall through to boto3's default chain (env, profile, IAM role).
        self._client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunk_size,
            max_concurrency=min(8, max_connections),
        )
        self._executor = ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="s3")

    @property
    def bucket(self) -> str:
        return self._bucket

    async def _run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking boto3 call off the loop. `ClientError` (S3 answered) is left to callers;
        transport failures become `ObjectStoreError` so no botocore type leaks out of the port."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        except (BotoCoreError, Boto3Error) as exc:
            raise ObjectStoreError(f"S3 unreachable or failed: {exc}") from exc

    async def _call(self, key: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a per-object call, translating S3's error codes into the port's exceptions."""
        try:
            return await self._run(fn, **kwargs)
        except ClientError as exc:
            code = _error_code(exc)
            if code in _NOT_FOUND_CODES:
                raise ObjectNotFoundError(key) from None
            if code == "InvalidRange" or code == "416":
                raise InvalidRangeError(f"range not satisfiable for {key!r}") from None
            raise ObjectStoreError(f"S3 {code or 'error'} on {key!r}: {exc}") from exc

    # -- lifecycle ---------------------------------------------------------------------------

    async def ensure_ready(self) -> None:
        try:
            await self._run(self._client.head_bucket, Bucket=self._bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                raise ObjectStoreError(f"bucket {self._bucket!r} is not usable: {exc}") from exc
        kwargs: dict[str, Any] = {"Bucket": self._bucket}
        if self._region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        try:
            await self._run(self._client.create_bucket, **kwargs)
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":  # lost a benign race with a peer
                raise ObjectStoreError(f"cannot create bucket {self._bucket!r}: {exc}") from exc

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    # -- writes ------------------------------------------------------------------------------

    async def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        validate_key(key)
        await self._call(
            key,
            self._client.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=resolve_content_type(key, content_type),
        )

    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        validate_key(key)
        # upload_file streams from disk and switches to a parallel multipart upload past the
        # threshold; S3 only publishes the object when the upload completes, so it is atomic too.
        await self._call(
            key,
            self._client.upload_file,
            Filename=str(path),
            Bucket=self._bucket,
            Key=key,
            ExtraArgs={"ContentType": resolve_content_type(key, content_type)},
            Config=self._transfer,
        )

    # -- reads -------------------------------------------------------------------------------

    async def get_bytes(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
            with body:
                return body.read()

        return await self._call(key, read)

    @staticmethod
    def _range_header(start: int, end: int | None) -> str:
        if start < 0 or (end is not None and end < start):
            raise InvalidRangeError(f"invalid byte range {start}-{end}")
        return f"bytes={start}-{'' if end is None else end}"

    async def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        validate_key(key)
        header = self._range_header(start, end)

        def read() -> bytes:
            body = self._client.get_object(Bucket=self._bucket, Key=key, Range=header)["Body"]
            with body:
                return body.read()

        return await self._call(key, read)

    async def stream(
        self,
        key: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        start: int | None = None,
        end: int | None = None,
    ) -> AsyncIterator[bytes]:
        validate_key(key)
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if start is not None or end is not None:
            kwargs["Range"] = self._range_header(start or 0, end)
        response = await self._call(key, self._client.get_object, **kwargs)
        body = response["Body"]
        try:
            while chunk := await self._run(body.read, chunk_size):
                yield chunk
        finally:
            # Closing early (client went away mid-video) returns the connection to the pool.
            body.close()

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        head = await self._call(key, self._client.head_object, Bucket=self._bucket, Key=key)
        return ObjectInfo(
            key=key,
            size=head["ContentLength"],
            content_type=head.get("ContentType"),
            etag=head["ETag"].strip('"'),
            last_modified=head["LastModified"],
        )

    # -- deletes -----------------------------------------------------------------------------

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._call(key, self._client.delete_object, Bucket=self._bucket, Key=key)

    async def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        async for page in self._pages(prefix):
            if not page:
                continue
            response = await self._run(
                self._client.delete_objects,
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": obj["Key"]} for obj in page], "Quiet": False},
            )
            if errors := response.get("Errors"):
                raise ObjectStoreError(f"S3 refused to delete {len(errors)} objects, e.g. {errors[0]}")
            deleted += len(response.get("Deleted", []))
        return deleted

    # -- listing -----------------------------------------------------------------------------

    async def _pages(self, prefix: str) -> AsyncIterator[builtins.list[ObjectTypeDef]]:
        validate_prefix(prefix)
        # Each page is its own executor hop: a paginator would do network I/O inside `next()`.
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": self._list_page_size}
        while True:
            try:
                response = await self._run(self._client.list_objects_v2, **kwargs)
            except ClientError as exc:
                raise ObjectStoreError(f"cannot list {prefix!r}: {exc}") from exc
            yield response.get("Contents", [])
            if not response.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = response["NextContinuationToken"]

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        async for page in self._pages(prefix):
            for obj in page:
                yield ObjectInfo(
                    key=obj["Key"],
                    size=obj["Size"],
                    content_type=None,
                    etag=obj["ETag"].strip('"'),
                    last_modified=obj["LastModified"],
                )

    # -- direct access -----------------------------------------------------------------------

    def local_path(self, key: str) -> Path | None:
        validate_key(key)
        return None

    async def presigned_get_url(self, key: str, expires_in: int) -> str | None:
        validate_key(key)
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        # Signing is local, but may resolve credentials (IMDS on EC2): keep it off the loop.
        return await self._run(
            self._client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=expires_in,
        )
