#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parse request bodies strictly against Google's own protos.

Usage:
    tests/proto/strict.py [-d DESCRIPTORS] [FILE ...]
    tests/proto/strict.py [-d DESCRIPTORS] --log FILE ...
    tests/proto/strict.py --compile DESCRIPTORS

Reads the request lines ac-batch writes (NDJSON, from the files or standard
input) and parses each line's "request" into the message of its API and
method with protobuf's proto3 JSON parser, unknown fields refused:

    api (absent: googleads)  method                       message
    googleads                uploadClickConversions       google.ads.googleads.v25.services.UploadClickConversionsRequest
    googleads                uploadCallConversions        google.ads.googleads.v25.services.UploadCallConversionsRequest
    googleads                uploadConversionAdjustments  google.ads.googleads.v25.services.UploadConversionAdjustmentsRequest
    datamanager              events:ingest                google.ads.datamanager.v1.IngestEventsRequest

With --log the files are request logs of the emulator (tests/mock/gads.py
--log): each entry whose "path" is an upload path, /v25/customers/ID:METHOD
(googleads) or /v1/events:METHOD (datamanager), has its "body" parsed the
same way; other entries (token, authorization) are not request bodies and
are passed over.  An upload path of another API version is refused: there
are no protos here for it.

Besides what the parser refuses (an unknown field, a wrong type, an enum
name the proto does not have, a number out of range, a duplicate key), a
line is refused when it is not a JSON object, when its api or method is
unknown, or when its request (body) is not a JSON object; and a body is
refused when a field the protos mark REQUIRED (google.api.field_behavior)
is absent, null or an empty list (but customerId of the Google Ads
requests, which REST takes from the URL path), when a field marked
OUTPUT_ONLY is given, or when a message field holds anything but an object
or null (protobuf 3.21's parser takes "" and [] there).

Each refused body is one line on standard output,
    FILE:LINE: METHOD: REASON
("<stdin>" for standard input, "-" when the method is not known), and a
summary "strict.py: N bodies, M refused" goes to standard error.

The protos (tests/proto/google/..., copied unchanged from googleapis, see
README) are compiled at run time with protoc into a temporary directory,
or once with --compile DESCRIPTORS (a FileDescriptorSet) and then read
with -d DESCRIPTORS, so that a test file compiles them once.

Exit status: 0 every body parsed, 1 some body was refused, 2 usage error,
3 an input could not be read or the protos not compiled, 77 protoc or
python3-protobuf is missing (a test skips on 77).

Needs protoc (Debian protobuf-compiler) and google.protobuf (Debian
python3-protobuf).  When the python3 running this lacks google.protobuf
(a pyenv python3 first on PATH, say), the script runs itself again under
/usr/bin/python3, where Debian's package lives.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROG = "strict.py"
HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"
EXIT_SKIP = 77

try:
    from google.protobuf import descriptor_pb2, descriptor_pool, \
        json_format, message_factory
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) \
            and os.access(SYSTEM_PYTHON, os.X_OK) \
            and not os.environ.get("AC_STRICT_REEXEC"):
        os.environ["AC_STRICT_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)]
                 + sys.argv[1:])
    sys.stderr.write("%s: python3-protobuf is missing (no google.protobuf "
                     "in %s or %s)\n" % (PROG, sys.executable, SYSTEM_PYTHON))
    sys.exit(EXIT_SKIP)

GA = "google.ads.googleads.v25.services."
MESSAGES = {
    ("googleads", "uploadClickConversions"):
        GA + "UploadClickConversionsRequest",
    ("googleads", "uploadCallConversions"):
        GA + "UploadCallConversionsRequest",
    ("googleads", "uploadConversionAdjustments"):
        GA + "UploadConversionAdjustmentsRequest",
    ("datamanager", "events:ingest"):
        "google.ads.datamanager.v1.IngestEventsRequest",
}
# Fields of the request messages that REST takes from the URL path, not
# from the body: not required in the body.
PATH_FIELDS = {"googleads": ("customer_id",), "datamanager": ()}
# google.api.field_behavior (field_behavior.proto): the extension's field
# number in FieldOptions and the values checked.
FIELD_BEHAVIOR = 1052
REQUIRED, OUTPUT_ONLY = 2, 3
# The field behaviors of every field, by full name, filled by load().
BEHAVIOR = {}
# The API versions of the protos, for the paths in --log.
VERSIONS = {"googleads": "v25", "datamanager": "v1"}
PROTOS = [
    "google/ads/googleads/v25/services/conversion_upload_service.proto",
    "google/ads/googleads/v25/services/conversion_adjustment_upload_service.proto",
    "google/ads/datamanager/v1/ingestion_service.proto",
]
# /v25/customers/1234567890:uploadClickConversions, /v1/events:ingest
GA_PATH = re.compile(r"/(v[0-9]+)/customers/[^/:]*:([^/]*)")
DM_PATH = re.compile(r"/(v[0-9]+)/(events:[^/]*)")


class Refused(Exception):
    """A body (or line) that is refused, with the method if known."""

    def __init__(self, method, reason):
        super().__init__(reason)
        self.method = method
        self.reason = reason


def usage(msg=None):
    if msg:
        sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.stderr.write("usage: %s [-d DESCRIPTORS] [--log] [FILE ...]\n"
                     "       %s --compile DESCRIPTORS\n" % (PROG, PROG))
    sys.exit(2)


def fail(msg, status=3):
    sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.exit(status)


def compile_protos(out):
    """Write the FileDescriptorSet of the request messages, imports
    included, to OUT with protoc; the well-known types come from protoc's
    own include directory."""
    protoc = shutil.which("protoc")
    if not protoc:
        fail("protoc is missing (Debian: protobuf-compiler)", EXIT_SKIP)
    args = [protoc, "-I" + HERE]
    # Debian's protoc finds google/protobuf/*.proto in /usr/include by
    # itself; say so in case another protoc comes first on PATH.
    if os.path.isfile("/usr/include/google/protobuf/descriptor.proto"):
        args.append("-I/usr/include")
    args += ["--include_imports", "--descriptor_set_out=" + out] + PROTOS
    r = subprocess.run(args, cwd=HERE, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode != 0:
        fail("protoc failed:\n" + r.stderr.rstrip())


def varint(buf, i):
    """The varint at BUF[i:] and the index after it."""
    n = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def field_behaviors(options):
    """The google.api.field_behavior values in a FieldOptions, read from
    its wire form: the extension is not registered in this pool's
    FieldOptions class, so it stays an unknown field there."""
    buf = options.SerializeToString()
    out = []
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
            if num == FIELD_BEHAVIOR:
                out.append(v)
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n, i = varint(buf, i)
            if num == FIELD_BEHAVIOR:  # packed
                j = i
                while j < i + n:
                    v, j = varint(buf, j)
                    out.append(v)
            i += n
        else:
            raise ValueError("wire type %d in FieldOptions" % wt)
    return out


def note_behaviors(prefix, messages):
    for m in messages:
        name = prefix + "." + m.name
        for f in m.field:
            if f.HasField("options"):
                b = field_behaviors(f.options)
                if b:
                    BEHAVIOR[name + "." + f.name] = b
        note_behaviors(name, m.nested_type)


def load(descriptors):
    """The message classes of MESSAGES, from a FileDescriptorSet file."""
    fds = descriptor_pb2.FileDescriptorSet()
    try:
        with open(descriptors, "rb") as f:
            fds.ParseFromString(f.read())
    except Exception as e:  # OSError, or protobuf's DecodeError
        fail("%s: %s" % (descriptors, e))
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:  # --include_imports: dependencies come first
        pool.Add(fd)
        try:
            note_behaviors(fd.package, fd.message_type)
        except ValueError as e:
            fail("%s: %s: %s" % (descriptors, fd.name, e))
    factory = message_factory.MessageFactory(pool)
    classes = {}
    for key, name in MESSAGES.items():
        try:
            desc = pool.FindMessageTypeByName(name)
        except KeyError:
            fail("%s: no message %s" % (descriptors, name))
        if hasattr(message_factory, "GetMessageClass"):
            classes[key] = message_factory.GetMessageClass(desc)
        else:
            classes[key] = factory.GetPrototype(desc)
    return classes


def no_duplicates(pairs):
    """object_pairs_hook: a key twice in one object is refused, as
    protobuf's own json_format.Parse refuses it."""
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %s" % json.dumps(k))
        obj[k] = v
    return obj


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape(desc, obj, where, skip=()):
    """What json_format does not check, on the JSON value OBJ of message
    DESC at WHERE: a value that is not a JSON object where the proto has a
    message (protobuf 3.21's json_format lets "" and [] through there, as
    if they were empty objects); a field marked REQUIRED (google.api.
    field_behavior) absent, null or an empty list, unless it is in SKIP
    (bound in the URL path); a field marked OUTPUT_ONLY present.  The
    well-known types (google.protobuf.*) have JSON forms of their own and
    are not walked."""
    fields = {}
    for f in desc.fields:
        fields[f.name] = f
        fields[f.json_name] = f
        behavior = BEHAVIOR.get(f.full_name, ())
        present = [obj[k] for k in (f.name, f.json_name) if k in obj]
        given = any(v is not None and v != [] for v in present)
        if REQUIRED in behavior and not given and f.name not in skip:
            raise ValueError("required field %s missing at %s"
                             % (f.json_name, where))
        if OUTPUT_ONLY in behavior and given:
            raise ValueError("output-only field %s given at %s"
                             % (f.json_name, where))
    for key, val in obj.items():
        f = fields.get(key)
        if f is None or val is None or f.message_type is None:
            continue  # json_format has judged these
        md = f.message_type
        path = "%s.%s" % (where, key)
        if md.GetOptions().map_entry:
            vf = md.fields_by_name["value"]
            if isinstance(val, dict) and vf.message_type is not None \
                    and not vf.message_type.full_name.startswith(
                        "google.protobuf."):
                for k, v in val.items():
                    shape_value(vf.message_type, v,
                                "%s[%s]" % (path, json.dumps(k)))
            continue
        if md.full_name.startswith("google.protobuf."):
            continue
        if f.label == f.LABEL_REPEATED and isinstance(val, list):
            for i, v in enumerate(val):
                shape_value(md, v, "%s[%d]" % (path, i))
        else:
            shape_value(md, val, path)


def shape_value(md, val, path):
    if not isinstance(val, dict):
        raise ValueError("expected a JSON object (message %s), got %s at %s"
                         % (md.full_name, json_type(val), path))
    shape(md, val, path)


def strict_parse(classes, api, method, body):
    """Parse BODY (a decoded JSON value) into the message of API and
    METHOD; raise Refused if it is not one."""
    cls = classes.get((api, method))
    if cls is None:
        raise Refused(method, "unknown method for api %s" % api)
    if not isinstance(body, dict):
        raise Refused(method, "the request is not a JSON object")
    try:
        msg = cls()
        json_format.Parse(json.dumps(body), msg, ignore_unknown_fields=False)
        shape(msg.DESCRIPTOR, body, msg.DESCRIPTOR.name,
              PATH_FIELDS.get(api, ()))
    except (json_format.ParseError, ValueError) as e:
        raise Refused(method, str(e))
    except Exception as e:  # the C++ parser may raise others (ranges)
        raise Refused(method, "%s: %s" % (type(e).__name__, e))


def check_line(classes, obj):
    """A request line of ac-batch: {"api", "method", "request", ...}."""
    if not isinstance(obj, dict):
        raise Refused("-", "the line is not a JSON object")
    method = obj.get("method")
    api = obj.get("api", "googleads")
    if not isinstance(method, str):
        raise Refused("-", "no method")
    if not isinstance(api, str) or api not in VERSIONS:
        raise Refused(method, "unknown api %s" % json.dumps(api))
    if "request" not in obj:
        raise Refused(method, "no request")
    strict_parse(classes, api, method, obj["request"])
    return True


def check_log_entry(classes, obj):
    """An entry of the emulator's request log: {"path", "body", ...}.
    Returns False when the entry is not an upload (token, authorization)."""
    if not isinstance(obj, dict):
        raise Refused("-", "the line is not a JSON object")
    path = obj.get("path")
    if not isinstance(path, str):
        raise Refused("-", "no path")
    path = path.split("?", 1)[0]
    m = GA_PATH.fullmatch(path)
    api = "googleads"
    if not m:
        m = DM_PATH.fullmatch(path)
        api = "datamanager"
    if not m:
        return False
    version, method = m.group(1), m.group(2)
    if version != VERSIONS[api]:
        raise Refused(method, "no protos for %s %s (only %s)"
                      % (api, version, VERSIONS[api]))
    if obj.get("body") is None:
        raise Refused(method, "no body, or not JSON")
    strict_parse(classes, api, method, obj["body"])
    return True


def check_stream(classes, name, fp, log, counts):
    check = check_log_entry if log else check_line
    for n, raw in enumerate(fp, 1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            try:
                obj = json.loads(text, object_pairs_hook=no_duplicates)
            except ValueError as e:
                raise Refused("-", "not JSON: %s" % e)
            if check(classes, obj):
                counts[0] += 1
        except Refused as r:
            counts[0] += 1
            counts[1] += 1
            sys.stdout.write("%s:%d: %s: %s\n" % (
                name, n, r.method, " ".join(r.reason.split())))


def main(argv):
    descriptors = None
    compile_to = None
    log = False
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        if a in ("-d", "--descriptors", "--compile"):
            if i + 1 >= len(argv):
                usage("%s needs an argument" % a)
            if a == "--compile":
                compile_to = argv[i + 1]
            else:
                descriptors = argv[i + 1]
            i += 2
            continue
        if a == "--log":
            log = True
        elif a == "--":
            files += argv[i + 1:]
            break
        elif a.startswith("-") and a != "-":
            usage("unknown option %s" % a)
        else:
            files.append(a)
        i += 1

    if compile_to is not None:
        if descriptors or log or files:
            usage("--compile takes no other option or file")
        compile_protos(compile_to)
        return 0

    tmp = None
    if descriptors is None:
        tmp = tempfile.mkdtemp(prefix="ac-strict.")
        descriptors = os.path.join(tmp, "requests.pb")
    try:
        if tmp:
            compile_protos(descriptors)
        classes = load(descriptors)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    # Every input opens before any output, as the ac tools do.
    streams = []
    for f in files or ["-"]:
        if f == "-":
            streams.append(("<stdin>", sys.stdin))
            continue
        try:
            streams.append((f, open(f, encoding="utf-8",
                                    errors="surrogateescape")))
        except OSError as e:
            fail("%s: %s" % (f, e.strerror))
    counts = [0, 0]
    try:
        for name, fp in streams:
            check_stream(classes, name, fp, log, counts)
        sys.stdout.flush()
    except UnicodeDecodeError as e:
        fail("%s: %s" % (name, e))
    except OSError as e:
        fail("write error: %s" % e.strerror)
    sys.stderr.write("%s: %d bodies, %d refused\n" % (PROG, counts[0],
                                                       counts[1]))
    return 1 if counts[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
