import CLLN
import Foundation
import Testing

@Suite struct GeneratorTests {
    @Test func fourStateLatticeMatchesSpecNumbering() {
        let t = TopologyPresets.fourState
        #expect(t.nodeCount == 16 && t.edgeCount == 32)
        // Spec §4: for each node in index order, first to (row+1 mod 4, col), then (row, col+1 mod 4).
        var expected: [Edge] = []
        for node in 0..<16 {
            let (r, c) = (node / 4, node % 4)
            expected.append(Edge(node, 4 * ((r + 1) % 4) + c))
            expected.append(Edge(node, 4 * r + (c + 1) % 4))
        }
        #expect(t.edges == expected)
        #expect(t.inputs == [0, 2, 8, 10] && t.outputs == [5, 7, 13, 15])
        #expect(t.states == [[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1], [0, 1, 0, 1]])
        #expect(throws: Never.self) { try t.validate() }
    }

    @Test func navigationDenseMatchesSpecNumbering() {
        let t = TopologyPresets.navigation
        #expect(t.nodeCount == 15 && t.edgeCount == 44)
        let offsets = [0, 6, 10, 14, 15]
        var expected: [Edge] = []
        for l in 0..<3 {
            for u in offsets[l]..<offsets[l + 1] { for v in offsets[l + 1]..<offsets[l + 2] { expected.append(Edge(u, v)) } }
        }
        #expect(t.edges == expected)
        #expect(t.inputs == [0, 1, 2, 3, 4, 5, 14] && t.outputs == [10, 11, 12, 13])
        // s = 5: row 2, col 1.
        #expect(t.states[5] == [1, 0.5, 0, 1, 0.5, 0, 0])
    }

    @Test func latticeCountsInThreeDimensions() {
        let periodic = Generators.lattice(shape: [3, 4, 5], periodic: true)
        #expect(periodic.nodeCount == 60 && periodic.edgeCount == 180)
        let open = Generators.lattice(shape: [3, 4, 5], periodic: false)
        #expect(open.edgeCount == 2 * 4 * 5 + 3 * 3 * 5 + 3 * 4 * 4)
        #expect(Set(open.edges.map { [$0.a, $0.b] }).count == open.edgeCount)
    }

    @Test func periodicDenseLinksLastLayerToFirst() {
        let t = Generators.layeredDense(layers: [2, 3, 2], periodic: true)
        #expect(t.edgeCount == 6 + 6 + 4)
        #expect(t.edges.suffix(4).map { [$0.a, $0.b] } == [[5, 0], [5, 1], [6, 0], [6, 1]])
    }

    @Test func randomGraphIsConnectedWithMinimumDegreeTwoAndSeeded() throws {
        let g = try Generators.randomGraph(nodes: 200, averageDegree: 4, seed: 7, inputs: [0])
        #expect(g.edgeCount == 400)
        var degree = [Int](repeating: 0, count: 200)
        for e in g.edges { degree[e.a] += 1; degree[e.b] += 1 }
        #expect(degree.min()! >= 2)
        #expect(Set(g.connectedComponents()) == [0])
        #expect(try Generators.randomGraph(nodes: 200, averageDegree: 4, seed: 7, inputs: [0]) == g)
        #expect(try Generators.randomGraph(nodes: 200, averageDegree: 4, seed: 8, inputs: [0]) != g)
        #expect(throws: GeneratorError.self) { try Generators.randomGraph(nodes: 10, averageDegree: 1.5, seed: 1) }
    }

    @Test func dslBuildsTheSameLatticeAsTheGenerator() throws {
        let n = (0..<16).map { Node("n\($0)") }
        let t = try Topology(name: "four-state") {
            Nodes(n)
            for node in 0..<16 {
                Mosfet(n[node], n[4 * ((node / 4 + 1) % 4) + node % 4])
                Mosfet(n[node], n[4 * (node / 4) + (node % 4 + 1) % 4])
            }
            Input(n[0], n[2], n[8], n[10])
            Output(n[5], n[7], n[13], n[15])
            State(1, 0, 1, 0)
            State(0, 1, 1, 0)
            State(1, 0, 0, 1)
            State(0, 1, 0, 1)
        }
        #expect(t == TopologyPresets.fourState)
    }
}

@Suite struct ValidationTests {
    let base = Topology(name: "t", nodeCount: 4, edges: [Edge(0, 1), Edge(1, 2), Edge(2, 3)], inputs: [0], outputs: [3], states: [[1]])

    func error(_ t: Topology) -> TopologyError? {
        do { try t.validate(); return nil } catch { return error as? TopologyError }
    }

    @Test func acceptsAValidTopology() { #expect(error(base) == nil) }

    @Test func unknownNode() {
        var t = base
        t.edges.append(Edge(3, 9))
        guard case .unknownNode(9, _, 4, _) = error(t) else { Issue.record("expected unknownNode"); return }
    }

    @Test func selfLoopAndDuplicate() {
        var t = base
        t.edges.append(Edge(2, 2))
        guard case .selfLoop(edge: 3, node: 2, _) = error(t) else { Issue.record("expected selfLoop"); return }
        t = base
        t.edges.append(Edge(1, 0))
        guard case .duplicateEdge(first: 0, second: 3, _, _, _) = error(t) else { Issue.record("expected duplicate"); return }
    }

    @Test func floatingComponentNamesItsNodes() {
        var t = base
        t.nodeNames += ["n4", "n5"]
        t.edges.append(Edge(4, 5))
        #expect(error(t) == .floatingComponent(nodes: [4, 5]))
        #expect(error(t)!.description.contains("no held node"))
    }

    @Test func roleErrors() {
        var t = base
        t.outputs = [0]
        #expect(error(t) == .inputAndOutput(node: 0))
        t = base
        t.inputs = []
        t.states = []
        #expect(error(t) == nil, "a topology without inputs is valid: a solve may hold any nodes")
        #expect(throws: TopologyError.noInputs) { try t.requireInputs() }
        t = base
        t.states = [[1, 0]]
        #expect(error(t) == .stateWidth(state: 0, width: 2, expected: 1))
        t = base
        t.states = [[.nan]]
        #expect(error(t) == .nonFinite(what: "\"states\"[0] (state 0's input voltages)"))
    }

    @Test func parameterErrors() {
        #expect(throws: TopologyError.parameterOutOfBounds(edge: 1, value: 6, bounds: 1...5.5)) {
            try base.validateParameters([2, 6, 2])
        }
        #expect(throws: TopologyError.parameterCount(2, expected: 3)) { try base.validateParameters([2, 2]) }
        #expect(throws: TopologyError.nonFinite(what: "edge 0's parameter")) { try base.validateParameters([.nan, 2, 2]) }
    }

    @Test func dslErrorsPointAtTheDeclaringLine() {
        let (a, b) = (Node("a"), Node("b"))
        let line = #line + 3
        do {
            _ = try Topology(name: "bad") {
                Mosfet(a, a)
                Mosfet(a, b)
                Input(a)
            }
            Issue.record("expected a self-loop error")
        } catch let error as TopologyError {
            #expect(error.description.contains("TopologyTests.swift:\(line)"))
        } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite struct TopologyFileTests {
    func write(_ text: String, ext: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func minimalJSONForm() throws {
        let edges = TopologyPresets.fourState.edges.map { "[\($0.a),\($0.b)]" }.joined(separator: ",")
        let url = try write(#"{"nodes": 16, "edges": [\#(edges)], "inputs": [0,2,8,10], "outputs": [5,7,13,15]}"#, ext: "json")
        let t = try Topology.load(contentsOf: url)
        #expect(t.edges == TopologyPresets.fourState.edges && t.outputs == [5, 7, 13, 15])
    }

    @Test func yamlWithNamesAndElements() throws {
        let url = try write("""
            name: mixed
            nodes: [in, mid, out]
            edges:
              - [in, mid]
              - {a: mid, b: out, element: diode-resistor}
            inputs: [in]
            outputs: [out]
            states: [[1], [0]]
            """, ext: "yaml")
        let t = try Topology.load(contentsOf: url)
        #expect(t.name == "mixed" && t.edges[1].element == .diodeResistor && t.edges[1].a == 1)
    }

    @Test func roundTripThroughJSON() throws {
        let t = TopologyPresets.navigation
        let url = try write(String(decoding: try t.jsonData(), as: UTF8.self), ext: "json")
        #expect(try Topology.load(contentsOf: url) == t)
    }

    @Test func malformedFilesGiveTypedErrors() throws {
        let bad = try write(#"{"nodes": 3, "edges": [[0, "x"]], "inputs": [0]}"#, ext: "json")
        #expect(throws: TopologyError.unknownNodeName("x", role: "edge 0")) { try Topology.load(contentsOf: bad) }
        let missing = try write(#"{"edges": []}"#, ext: "json")
        #expect(throws: TopologyFileError.self) { try Topology.load(contentsOf: missing) }
        #expect(throws: TopologyFileError.self) { try Topology.load("no-such-preset") }
    }
}
