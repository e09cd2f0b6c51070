package dev.loraforge.artifacts.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.artifacts.mapping.ArtifactMapper;
import dev.loraforge.artifacts.repository.ArtifactEntity;
import dev.loraforge.artifacts.repository.ArtifactQuery;
import dev.loraforge.artifacts.repository.ArtifactRepository;
import dev.loraforge.artifacts.repository.LineageEdgeEntity;
import dev.loraforge.artifacts.repository.LineageEdgeRepository;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.Lineage;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.contracts.artifactstore.ParentRef;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The registry: creates artifacts with their lineage edges after {@link ArtifactRules} passed, and
 * answers lookups, listings and lineage walks, scoped to a tenant when one is given (a tenant sees
 * its own artifacts and the shared ones, never another tenant's).
 */
@ApplicationScoped
public class ArtifactService {

    /** Lineage walk directions. */
    public static final String ANCESTORS = "ancestors";
    public static final String DESCENDANTS = "descendants";

    /** The artifact and whether this call created it (false: an identical one existed). */
    public record Registered(ArtifactView artifact, boolean created) {
    }

    private final ArtifactRepository artifacts;
    private final LineageEdgeRepository edges;
    private final ArtifactRules rules;
    private final ObjectMapper json;

    public ArtifactService(ArtifactRepository artifacts, LineageEdgeRepository edges, ArtifactRules rules,
                           ObjectMapper json) {
        this.artifacts = artifacts;
        this.edges = edges;
        this.rules = rules;
        this.json = json;
    }

    /**
     * Registers an artifact and its edges in one transaction. A request naming an existing id with
     * identical content, or a base model with an existing name and the same digest, returns the
     * existing artifact.
     *
     * @throws InvalidRequestException naming each offending field; nothing is written
     * @throws ConflictException       when the id or base-model name is taken by different content
     */
    @Transactional
    public Registered create(NewArtifact request, String scopeTenant) {
        ArtifactRules.Checked checked = rules.check(request, scopeTenant);
        Map<String, Object> metadata = request.metadata() == null ? Map.of() : request.metadata();
        if (json.valueToTree(metadata).toString().length() > 1_000_000) {
            throw new InvalidRequestException("metadata", "is larger than 1 MB of JSON; keep large data in a blob");
        }
        if (request.id() != null) {
            ArtifactEntity existing = artifacts.findById(request.id());
            if (existing != null) {
                if (sameContent(existing, checked, request, metadata)) {
                    return new Registered(view(existing), false);
                }
                throw new ConflictException("id " + request.id() + " is already registered with different content"
                        + " (kind " + existing.kind + ", name '" + existing.name + "', digest " + existing.digest
                        + "); choose another id or leave it out");
            }
        }
        if (checked.kind() == ArtifactKind.BASE_MODEL) {
            var existing = artifacts.baseModelNamed(request.name());
            if (existing.isPresent()) {
                if (existing.get().digest.equals(checked.blob().digest().toString())
                        && Objects.equals(existing.get().tenantId, checked.tenantId())) {
                    return new Registered(view(existing.get()), false);
                }
                throw new ConflictException("a base model named '" + request.name() + "' is already registered with"
                        + (Objects.equals(existing.get().tenantId, checked.tenantId()) ? " digest " + existing.get().digest
                        : " another owner") + "; choose another name");
            }
        }
        ArtifactEntity a = new ArtifactEntity();
        a.id = request.id() != null ? request.id()
                : checked.kind().idPrefix() + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        a.kind = checked.kind().wireName();
        a.name = request.name();
        a.digest = checked.blob().digest().toString();
        a.size = checked.blob().size();
        a.tenantId = checked.tenantId();
        a.jobId = request.jobId();
        a.metadata = new LinkedHashMap<>(metadata);
        a.createdAt = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        artifacts.persist(a);
        List<LineageEdgeEntity> parentEdges = new ArrayList<>();
        for (ArtifactRules.Parent p : checked.parents()) {
            LineageEdgeEntity edge = new LineageEdgeEntity(a.id, p.artifact().id, p.relation().wireName());
            edges.persist(edge);
            parentEdges.add(edge);
        }
        artifacts.flush();
        return new Registered(ArtifactMapper.toView(a, parentEdges), true);
    }

    private boolean sameContent(ArtifactEntity e, ArtifactRules.Checked c, NewArtifact r, Map<String, Object> metadata) {
        Set<ParentRef> requested = c.parents().stream()
                .map(p -> new ParentRef(p.artifact().id, p.relation().wireName())).collect(Collectors.toSet());
        Set<ParentRef> stored = edges.parentsOf(List.of(e.id)).stream()
                .map(x -> new ParentRef(x.key.parentId(), x.key.relation())).collect(Collectors.toSet());
        JsonNode a = json.valueToTree(metadata);
        JsonNode b = json.valueToTree(e.metadata == null ? Map.of() : e.metadata);
        return e.kind.equals(c.kind().wireName()) && e.name.equals(r.name())
                && e.digest.equals(c.blob().digest().toString()) && Objects.equals(e.tenantId, c.tenantId())
                && Objects.equals(e.jobId, r.jobId()) && requested.equals(stored) && a.equals(NUMERIC, b);
    }

    /** Numbers compare by value (jsonb may give back 5 as a long where the request had an int). */
    private static final Comparator<JsonNode> NUMERIC = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue());
        }
        return x.equals(y) ? 0 : 1;
    };

    /**
     * @throws ResourceNotFoundException when there is no such artifact visible to the tenant
     */
    @Transactional
    public ArtifactView get(String id, String scopeTenant) {
        return view(visible(id, scopeTenant));
    }

    /** The base model with this name, if any, whoever may see it (callers scope it). */
    @Transactional
    public java.util.Optional<ArtifactView> baseModelNamed(String name) {
        return artifacts.baseModelNamed(name).map(this::view);
    }

    /** Listing with the query's filters, newest first. */
    @Transactional
    public List<ArtifactView> list(ArtifactQuery query) {
        return views(artifacts.search(query));
    }

    /**
     * Every ancestor (or descendant) of {@code id} with the edges between them. With a tenant, other
     * tenants' artifacts (possible among the descendants of a shared base model) and their edges are
     * left out.
     */
    @Transactional
    public Lineage lineage(String id, String direction, String scopeTenant) {
        ArtifactEntity root = visible(id, scopeTenant);
        List<String[]> walked = artifacts.walk(id, ANCESTORS.equals(direction));
        Set<String> ids = new LinkedHashSet<>();
        for (String[] e : walked) {
            ids.add(e[0]);
            ids.add(e[1]);
        }
        ids.remove(root.id);
        List<ArtifactEntity> others = artifacts.byIds(ids).stream()
                .filter(a -> visibleTo(a, scopeTenant))
                .sorted(Comparator.comparing((ArtifactEntity a) -> a.createdAt).reversed().thenComparing(a -> a.id))
                .toList();
        List<ArtifactEntity> nodes = new ArrayList<>();
        nodes.add(root);
        nodes.addAll(others);
        Set<String> kept = new HashSet<>();
        nodes.forEach(n -> kept.add(n.id));
        List<Lineage.Edge> edgeViews = walked.stream()
                .filter(e -> kept.contains(e[0]) && kept.contains(e[1]))
                .map(e -> new Lineage.Edge(e[0], e[1], e[2]))
                .sorted(Comparator.comparing(Lineage.Edge::child).thenComparing(Lineage.Edge::relation)
                        .thenComparing(Lineage.Edge::parent))
                .toList();
        return new Lineage(root.id, direction, views(nodes), edgeViews);
    }

    private ArtifactEntity visible(String id, String scopeTenant) {
        ArtifactEntity a = artifacts.findById(id);
        if (a == null || !visibleTo(a, scopeTenant)) {
            throw new ResourceNotFoundException("no artifact '" + id + "'"
                    + (scopeTenant == null ? "" : " visible to tenant " + scopeTenant));
        }
        return a;
    }

    private static boolean visibleTo(ArtifactEntity a, String scopeTenant) {
        return scopeTenant == null || a.tenantId == null || a.tenantId.equals(scopeTenant);
    }

    ArtifactView view(ArtifactEntity a) {
        return ArtifactMapper.toView(a, edges.parentsOf(List.of(a.id)));
    }

    private List<ArtifactView> views(List<ArtifactEntity> list) {
        List<LineageEdgeEntity> parentEdges = edges.parentsOf(list.stream().map(a -> a.id).toList());
        return list.stream().map(a -> ArtifactMapper.toView(a, parentEdges)).toList();
    }
}
