import Foundation
import Testing

/// Golden CLI tests: every command, run as a user would, against the shape of its JSON summary
/// (keys and value types, recursively) and its exit code, stored in `Fixtures/golden/`. Run with
/// `CLLN_UPDATE_GOLDEN=1 swift test --filter GoldenCLITests` to rewrite the golden files after an
/// intended change, and review the diff.
@Suite(.serialized) struct GoldenCLITests {
    /// A command and the golden file of its output's JSON shape.
    struct Case: CustomStringConvertible, Sendable {
        var golden: String
        var arguments: [String]
        var description: String { golden }
    }

    static let cases: [Case] = [
        Case(golden: "solve", arguments: ["solve", "--topology", "four-state", "--state", "1", "--json"]),
        Case(golden: "solve-spice", arguments: ["solve", "--topology", "four-state", "--state", "1", "--backend", "spice", "--json"]),
        Case(golden: "solve-all-states", arguments: ["solve", "--topology", "navigation", "--all-states", "--json"]),
        Case(golden: "train-q-learning", arguments: ["train", "four-state", "--trials", "2", "--steps", "2000", "--json", "OUT"]),
        Case(golden: "train-compare-backends",
             arguments: ["train", "four-state", "--trials", "1", "--steps", "1000", "--compare-backends", "--json", "OUT"]),
        Case(golden: "train-supervised", arguments: ["train", "xor", "--trials", "2", "--epochs", "5", "--json", "OUT"]),
        Case(golden: "train-supervised-regression",
             arguments: ["train", "lattice-teacher", "--set", "side=8", "--trials", "2", "--epochs", "2", "--json", "OUT"]),
        Case(golden: "compile-autonomous-run",
             arguments: ["compile", "--circuit", "autonomous", "--task", "xor", "--epochs", "5", "--run", "--json", "OUT"]),
        Case(golden: "validate", arguments: ["validate", "four-state", "--samples", "2", "--json", "OUT"]),
        Case(golden: "check-gradient", arguments: ["check", "gradient", "four-state", "--samples", "3", "--etas", "0.1,0.01", "--json", "OUT"]),
        Case(golden: "experiment-stress",
             arguments: ["experiment", "stress", "four-state", "--steps", "1000", "--trials", "1", "--factors", "1,5", "--json", "OUT"]),
        Case(golden: "experiment-damage",
             arguments: ["experiment", "damage", "four-state", "--steps", "2000", "--fractions", "0.1", "--json", "OUT"]),
        Case(golden: "bench-solve", arguments: ["bench", "solve", "--quick", "--json", "OUT-FILE"]),
        Case(golden: "bench-solve-spice", arguments: ["bench", "solve", "--quick", "--backend", "spice", "--json", "OUT-FILE"]),
        Case(golden: "bench-train", arguments: ["bench", "train", "--quick", "--json", "OUT-FILE"]),
        Case(golden: "bench-ideal-scale", arguments: ["bench", "ideal-scale", "--quick", "--memory-updates", "20", "--json", "OUT-FILE"]),
        Case(golden: "dynamics-train", arguments: ["dynamics", "train", "oscillators-lag", "--iterations", "3", "--seeds", "2", "--json", "OUT"]),
        Case(golden: "compare",
             arguments: ["compare", "four-state", "--seeds", "2", "--steps", "2000", "--agents", "clln,tabular", "--json", "OUT"]),
        Case(golden: "baseline-classifier",
             arguments: ["baseline", "linear", "digits", "--seeds", "2", "--epochs", "3", "--set", "split=scikit-learn", "--json", "OUT"]),
        Case(golden: "compare-classification",
             arguments: ["compare", "iris", "--seeds", "2", "--set", "epochs=5", "--set", "split=scikit-learn", "--json", "OUT"]),
        Case(golden: "train-cartpole", arguments: ["train", "cartpole", "--trials", "2", "--steps", "2000", "--json", "OUT"]),
        Case(golden: "dynamics-align",
             arguments: ["dynamics", "align", "oscillators-lag", "--etas", "0.1", "--samples", "1", "--json", "OUT"]),
    ]

    @Test(arguments: cases) func jsonShapeAndExitCode(_ c: Case) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let arguments = c.arguments.flatMap { $0 == "OUT" || $0 == "OUT-FILE" ? ["--out", out.path] : [$0] }
        let r = try clln(arguments)
        #expect(r.status == 0, "\(c.golden): \(r.err)")
        let json = try JSONDecoder().decode(JSONShape.self, from: Data(r.out.utf8))
        try Self.compare(json, golden: c.golden)
        if c.arguments.contains("OUT") {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path)
                || FileManager.default.fileExists(atPath: out.appendingPathComponent("comparison.json").path)
                || FileManager.default.fileExists(atPath: out.appendingPathComponent("table.json").path),
                    "\(c.golden) writes its summary under --out")
        }
    }

    @Test func compileMatchesTheShippedNetlists() throws {
        for phase in ["free", "clamped"] {
            let r = try clln(["compile", "four-state", "--phase", phase])
            #expect(r.status == 0, "\(r.err)")
            let shipped = try String(contentsOf: Self.repository.appendingPathComponent("netlists/four-state-\(phase).cir"), encoding: .utf8)
            #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == shipped.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func versionHelpAndList() throws {
        let version = try clln(["--version"])
        #expect(version.status == 0 && version.out.hasPrefix("clln ") && version.out.contains("ngspice"))
        let help = try clln(["--help"])
        #expect(help.status == 0)
        for command in ["compile", "solve", "train", "validate", "check", "experiment", "bench", "dynamics", "baseline", "compare"] {
            #expect(help.out.contains("  \(command) "), "--help lists \(command)")
        }
        #expect(!help.out.contains("run-worker"), "the worker entry point is not a user command")
        let list = try clln(["dynamics", "list"])
        #expect(list.status == 0 && list.out.split(separator: "\n").count == 9)
    }

    /// The package root (this file is Tests/CLLNTests/GoldenCLITests.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func compare(_ shape: JSONShape, golden name: String) throws {
        let url = repository.appendingPathComponent("Tests/CLLNTests/Fixtures/golden/\(name).json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(shape)
        if ProcessInfo.processInfo.environment["CLLN_UPDATE_GOLDEN"] == "1" {
            try data.write(to: url)
            return
        }
        let expected = try Data(contentsOf: url)
        #expect(String(decoding: data, as: UTF8.self) == String(decoding: expected, as: UTF8.self),
                "the JSON shape of `\(name)` changed; if intended, rerun with CLLN_UPDATE_GOLDEN=1 and review the diff")
    }
}

/// The shape of a JSON value: keys and value types, recursively; an array's shape is that of its
/// first element (values that differ from run to run, like timings, do not matter).
enum JSONShape: Codable, Equatable {
    case object([String: JSONShape])
    case array([JSONShape])
    case type(String)

    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .type("null"); return }
        if (try? single.decode(Bool.self)) != nil { self = .type("bool"); return }
        if (try? single.decode(Double.self)) != nil { self = .type("number"); return }
        if (try? single.decode(String.self)) != nil { self = .type("string"); return }
        if let array = try? single.decode([JSONShape].self) { self = .array(Array(array.prefix(1))); return }
        self = .object(try single.decode([String: JSONShape].self))
    }

    func encode(to encoder: Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case let .object(members): try single.encode(members)
        case let .array(first): try single.encode(first)
        case let .type(name): try single.encode(name)
        }
    }
}
