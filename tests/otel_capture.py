"""Calls the stand-in Messages API through the real `anthropic` SDK instrumented by a real
OpenTelemetry instrumentation, and writes the spans the way exporters write them. Run as a
script (a process of its own, so that the instrumentation's patches never leak into the tests):

    python otel_capture.py openllmetry|openinference BASE_URL KEY MODEL OUT_DIR

Makes three calls — a plain `messages.create`, a streamed one (`stream=True`) and the
`messages.stream()` helper — and writes OUT_DIR/otlp.jsonl (OTLP JSON, one export request per
line, as the collector's file exporter writes it: the SDK's own OTLP protobuf encoder, turned
into JSON with ids in hex as the OTLP JSON encoding says), OUT_DIR/otlp.jsonl.gz (the same,
gzip-compressed) and OUT_DIR/console.json (the SDK's ConsoleSpanExporter).
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from pathlib import Path


def _hex_ids(node):
    """OTLP JSON writes trace and span ids as hex; protobuf's JSON mapping writes base64."""
    if isinstance(node, dict):
        return {k: (base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str) else _hex_ids(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_hex_ids(x) for x in node]
    return node


def main() -> None:
    which, base_url, key, model, out = sys.argv[1:6]
    out_dir = Path(out)
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter, SpanExportResult

    class OtlpJsonLines(SpanExporter):
        def __init__(self, path: Path) -> None:
            self.fh = open(path, "w", encoding="utf-8")

        def export(self, spans):  # one export request per line, as the collector's file exporter
            doc = _hex_ids(MessageToDict(encode_spans(spans)))
            self.fh.write(json.dumps(doc) + "\n")
            self.fh.flush()
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            self.fh.close()

    provider = TracerProvider(resource=Resource.create({"service.name": f"svc-{which}"}))
    console = open(out_dir / "console.json", "w", encoding="utf-8")
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonLines(out_dir / "otlp.jsonl")))
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
    if which == "openllmetry":
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
    else:
        from openinference.instrumentation.anthropic import AnthropicInstrumentor
    AnthropicInstrumentor().instrument(tracer_provider=provider)

    import anthropic

    client = anthropic.Anthropic(api_key=key, base_url=base_url, max_retries=0)
    ask = {"model": model, "max_tokens": 200, "messages": [{"role": "user", "content": "Say something."}]}
    client.messages.create(**ask)
    for _ in client.messages.create(**ask, stream=True):
        pass
    with client.messages.stream(**ask) as stream:
        stream.get_final_message()
    provider.shutdown()
    console.close()
    (out_dir / "otlp.jsonl.gz").write_bytes(gzip.compress((out_dir / "otlp.jsonl").read_bytes()))


if __name__ == "__main__":
    main()
