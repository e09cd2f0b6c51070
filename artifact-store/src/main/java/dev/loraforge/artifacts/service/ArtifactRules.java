package dev.loraforge.artifacts.service;

import dev.loraforge.artifacts.repository.ArtifactEntity;
import dev.loraforge.artifacts.repository.ArtifactRepository;
import dev.loraforge.artifacts.repository.LineageEdgeRepository;
import dev.loraforge.artifacts.storage.BlobInfo;
import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.Digest;
import dev.loraforge.artifacts.storage.InvalidDigestException;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.Problem.Violation;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.contracts.artifactstore.ParentRef;
import dev.loraforge.contracts.artifactstore.Relation;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a new artifact must satisfy, all checked before anything is written; every violation
 * names its field:
 * <ul>
 * <li>{@code kind} one of the five kinds; {@code name} 1-200 characters, no control characters;
 *     {@code digest} a stored blob; {@code id}, when given, {@code <kind prefix>-<letters, digits, . _ ->};</li>
 * <li>datasets, checkpoints and adapters belong to a tenant; base and quantized models are public (no tenant) or
 *     private to the tenant in {@code tenant_id} (a quantized model has the owner of its base model); checkpoints and
 *     adapters name their {@code job_id};</li>
 * <li>parents exist, are visible to the child's tenant, use a relation allowed for both kinds
 *     ({@link Relation}); a quantized model has one {@code quantized_from} base model; a checkpoint or
 *     adapter has one {@code base_model}, at least one {@code trained_on} dataset, at most one
 *     {@code quantized_base} (made from that same base model), at most one {@code resumed_from} and
 *     (adapters) at most one {@code exported_from}, at most one {@code continued_from} (an adapter on the same
 *     base model);</li>
 * <li>metadata: {@code scheme} (string) required for quantized models, {@code step} (integer >= 0)
 *     required for checkpoints; when present {@code seed} is an integer, {@code engine_version} a
 *     string, {@code hyperparameters} an object, {@code metrics} an object of numbers.</li>
 * </ul>
 */
@ApplicationScoped
public class ArtifactRules {

    private static final Pattern ID_TAIL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern TEXT_ID = Pattern.compile("[^\\p{Cntrl}]{1,200}");
    static final int MAX_NAME = 200;

    /** A request that passed: the parsed kind, blob, and resolved parents. */
    public record Checked(ArtifactKind kind, BlobInfo blob, String tenantId, List<Parent> parents) {
    }

    /** A resolved parent. */
    public record Parent(ArtifactEntity artifact, Relation relation) {
    }

    private final ArtifactRepository artifacts;
    private final LineageEdgeRepository edges;
    private final BlobStorage blobs;

    public ArtifactRules(ArtifactRepository artifacts, LineageEdgeRepository edges, BlobStorage blobs) {
        this.artifacts = artifacts;
        this.edges = edges;
        this.blobs = blobs;
    }

    /**
     * @param scopeTenant the caller's tenant ({@code X-Tenant-Id}), or null
     * @throws InvalidRequestException listing every violation
     */
    public Checked check(NewArtifact r, String scopeTenant) {
        if (r == null) {
            throw new InvalidRequestException("body", "a JSON object with kind, name, digest, ... is required");
        }
        List<Violation> v = new ArrayList<>();

        ArtifactKind kind = null;
        if (r.kind() == null || r.kind().isBlank()) {
            v.add(new Violation("kind", "is required; one of " + ArtifactKind.valid()));
        } else {
            kind = ArtifactKind.fromWire(r.kind()).orElse(null);
            if (kind == null) {
                v.add(new Violation("kind", "'" + r.kind() + "' is not a kind; use one of " + ArtifactKind.valid()));
            }
        }
        if (r.name() == null || r.name().isBlank()) {
            v.add(new Violation("name", "is required"));
        } else if (r.name().length() > MAX_NAME || !TEXT_ID.matcher(r.name()).matches()) {
            v.add(new Violation("name", "must be 1-200 characters without control characters"));
        }
        if (kind != null && r.id() != null && !validId(kind, r.id())) {
            v.add(new Violation("id", "'" + r.id() + "' must be '" + kind.idPrefix() + "-' followed by letters, digits,"
                    + " '.', '_' or '-' (at most 128), or left out to get a generated id"));
        }

        BlobInfo blob = checkBlob(r.digest(), v);
        String tenant = checkTenant(r, kind, scopeTenant, v);
        checkJob(r, kind, v);
        checkMetadata(r.metadata() == null ? Map.of() : r.metadata(), kind, v);
        List<Parent> parents = checkParents(r.parents() == null ? List.of() : r.parents(), kind, tenant, v);

        if (!v.isEmpty()) {
            throw new InvalidRequestException(v);
        }
        return new Checked(kind, blob, tenant, parents);
    }

    static boolean validId(ArtifactKind kind, String id) {
        return id.startsWith(kind.idPrefix() + "-") && ID_TAIL.matcher(id.substring(kind.idPrefix().length() + 1)).matches();
    }

    private BlobInfo checkBlob(String digest, List<Violation> v) {
        if (digest == null || digest.isBlank()) {
            v.add(new Violation("digest", "is required: the sha256 digest of a blob stored with PUT /api/v1/blobs"));
            return null;
        }
        try {
            Optional<BlobInfo> blob = blobs.stat(Digest.parse(digest));
            if (blob.isEmpty()) {
                v.add(new Violation("digest", "no blob " + digest + " is stored; upload the content with"
                        + " PUT /api/v1/blobs first"));
            }
            return blob.orElse(null);
        } catch (InvalidDigestException e) {
            v.add(new Violation("digest", e.getMessage()));
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String checkTenant(NewArtifact r, ArtifactKind kind, String scopeTenant, List<Violation> v) {
        String tenant = r.tenantId();
        if (tenant != null && !TEXT_ID.matcher(tenant).matches()) {
            v.add(new Violation("tenant_id", "must be 1-200 characters without control characters"));
            return null;
        }
        if (scopeTenant != null) {
            if (tenant != null && !tenant.equals(scopeTenant)) {
                v.add(new Violation("tenant_id", "'" + tenant + "' differs from the X-Tenant-Id header '" + scopeTenant
                        + "'; send one tenant"));
                return null;
            }
            if (tenant == null && kind != null && kind.tenantOwned()) {
                tenant = scopeTenant;
            }
        }
        if (kind == null) {
            return tenant;
        }
        if (kind.tenantOwned() && tenant == null) {
            v.add(new Violation("tenant_id", "is required: a " + kind.wireName() + " belongs to a tenant"));
        }
        // a base or quantized model with tenant_id is private to that tenant; without, public
        return tenant;
    }

    private static void checkJob(NewArtifact r, ArtifactKind kind, List<Violation> v) {
        if (r.jobId() != null && !TEXT_ID.matcher(r.jobId()).matches()) {
            v.add(new Violation("job_id", "must be 1-200 characters without control characters"));
        } else if (r.jobId() == null && (kind == ArtifactKind.CHECKPOINT || kind == ArtifactKind.ADAPTER)) {
            v.add(new Violation("job_id", "is required: a " + kind.wireName() + " is made by a fine-tuning job"));
        }
    }

    private static void checkMetadata(Map<String, Object> m, ArtifactKind kind, List<Violation> v) {
        Object scheme = m.get("scheme");
        if (scheme != null && !(scheme instanceof String s && !s.isBlank())) {
            v.add(new Violation("metadata.scheme", "must be a non-empty string such as \"nf4\""));
        } else if (scheme == null && kind == ArtifactKind.QUANTIZED_MODEL) {
            v.add(new Violation("metadata.scheme", "is required for a quantized_model (e.g. \"nf4\")"));
        }
        Object step = m.get("step");
        if (step != null && !(isInteger(step) && ((Number) step).longValue() >= 0)) {
            v.add(new Violation("metadata.step", "must be an integer >= 0, got " + step));
        } else if (step == null && kind == ArtifactKind.CHECKPOINT) {
            v.add(new Violation("metadata.step", "is required for a checkpoint: the training step it was saved at"));
        }
        if (m.containsKey("seed") && !isInteger(m.get("seed"))) {
            v.add(new Violation("metadata.seed", "must be an integer, got " + m.get("seed")));
        }
        if (m.containsKey("engine_version") && !(m.get("engine_version") instanceof String)) {
            v.add(new Violation("metadata.engine_version", "must be a string such as \"0.1.0\""));
        }
        if (m.containsKey("hyperparameters") && !(m.get("hyperparameters") instanceof Map)) {
            v.add(new Violation("metadata.hyperparameters", "must be a JSON object"));
        }
        if (m.containsKey("metrics")) {
            if (!(m.get("metrics") instanceof Map<?, ?> metrics)) {
                v.add(new Violation("metadata.metrics", "must be a JSON object of numbers"));
            } else {
                metrics.forEach((key, value) -> {
                    if (!(value instanceof Number)) {
                        v.add(new Violation("metadata.metrics." + key, "must be a number, got " + value));
                    }
                });
            }
        }
    }

    private static boolean isInteger(Object o) {
        return o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof BigInteger;
    }

    private List<Parent> checkParents(List<ParentRef> refs, ArtifactKind kind, String tenant, List<Violation> v) {
        List<Parent> parents = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Map<Relation, Integer> counts = new EnumMap<>(Relation.class);
        for (int i = 0; i < refs.size(); i++) {
            ParentRef ref = refs.get(i);
            String at = "parents[" + i + "]";
            if (ref == null) {
                v.add(new Violation(at, "must be an object {\"id\", \"relation\"}"));
                continue;
            }
            Relation relation = null;
            if (ref.relation() == null || ref.relation().isBlank()) {
                v.add(new Violation(at + ".relation", "is required"
                        + (kind == null ? "" : "; for a " + kind.wireName() + ": " + Relation.validFor(kind))));
            } else {
                relation = Relation.fromWire(ref.relation()).orElse(null);
                if (relation == null || (kind != null && !relation.allowsChild(kind))) {
                    v.add(new Violation(at + ".relation", "'" + ref.relation() + "' is not a relation a "
                            + (kind == null ? "child" : kind.wireName()) + " can have; use "
                            + (kind == null ? "one of the documented relations" : Relation.validFor(kind))));
                    relation = null;
                }
            }
            if (ref.id() == null || ref.id().isBlank()) {
                v.add(new Violation(at + ".id", "is required"));
                continue;
            }
            if (!seen.add(ref.id() + "\n" + ref.relation())) {
                v.add(new Violation(at, "repeats parent " + ref.id() + " with the same relation"));
                continue;
            }
            ArtifactEntity parent = artifacts.findById(ref.id());
            if (parent == null || (parent.tenantId != null && !parent.tenantId.equals(tenant))) {
                v.add(new Violation(at + ".id", "no artifact '" + ref.id() + "'"
                        + (tenant == null ? "" : " visible to tenant " + tenant) + "; register the parent first"));
                continue;
            }
            if (relation != null) {
                ArtifactKind parentKind = ArtifactKind.fromWire(parent.kind).orElseThrow();
                if (!relation.allowsParent(parentKind)) {
                    v.add(new Violation(at + ".id", "'" + ref.id() + "' is a " + parent.kind + ", but a "
                            + relation.wireName() + " parent must be a "
                            + relation.parentKinds().stream().map(ArtifactKind::wireName).sorted().toList()));
                    continue;
                }
                counts.merge(relation, 1, Integer::sum);
                parents.add(new Parent(parent, relation));
            }
        }
        if (kind != null) {
            checkCardinality(kind, counts, v);
            checkQuantizedBase(parents, v);
            checkQuantizedOwner(kind, tenant, parents, v);
            checkContinuedFrom(parents, v);
        }
        return parents;
    }

    private static void checkCardinality(ArtifactKind kind, Map<Relation, Integer> counts, List<Violation> v) {
        switch (kind) {
            case QUANTIZED_MODEL -> exactlyOne(counts, Relation.QUANTIZED_FROM, kind, "the base model it was quantized from", v);
            case CHECKPOINT, ADAPTER -> {
                exactlyOne(counts, Relation.BASE_MODEL, kind, "the base model it was trained on", v);
                if (counts.getOrDefault(Relation.TRAINED_ON, 0) < 1) {
                    v.add(new Violation("parents", "a " + kind.wireName()
                            + " needs at least one 'trained_on' parent (its training dataset)"));
                }
                atMostOne(counts, Relation.QUANTIZED_BASE, kind, v);
                atMostOne(counts, Relation.RESUMED_FROM, kind, v);
                atMostOne(counts, Relation.EXPORTED_FROM, kind, v);
                atMostOne(counts, Relation.CONTINUED_FROM, kind, v);
            }
            default -> {
                // base models and datasets have no parents: checked per relation above
            }
        }
    }

    private static void exactlyOne(Map<Relation, Integer> counts, Relation relation, ArtifactKind kind, String what,
                                   List<Violation> v) {
        int n = counts.getOrDefault(relation, 0);
        if (n != 1) {
            v.add(new Violation("parents", "a " + kind.wireName() + " needs exactly one '" + relation.wireName()
                    + "' parent (" + what + "), got " + n));
        }
    }

    private static void atMostOne(Map<Relation, Integer> counts, Relation relation, ArtifactKind kind, List<Violation> v) {
        if (counts.getOrDefault(relation, 0) > 1) {
            v.add(new Violation("parents", "a " + kind.wireName() + " has at most one '" + relation.wireName() + "' parent"));
        }
    }

    /** A quantized model is private to whoever its base model is private to, and public when that is public. */
    private static void checkQuantizedOwner(ArtifactKind kind, String tenant, List<Parent> parents, List<Violation> v) {
        if (kind != ArtifactKind.QUANTIZED_MODEL) {
            return;
        }
        parents.stream().filter(p -> p.relation() == Relation.QUANTIZED_FROM).findFirst().ifPresent(base -> {
            String owner = base.artifact().tenantId;
            if (!java.util.Objects.equals(owner, tenant)) {
                v.add(new Violation("tenant_id", "the base model " + base.artifact().id + " is "
                        + (owner == null ? "public, so its quantized variant is public too: leave tenant_id out"
                        : "private to tenant " + owner + ", so its quantized variant is too: send tenant_id " + owner)));
            }
        });
    }

    /** An adapter continued from another one was trained on the same base model as that one. */
    private void checkContinuedFrom(List<Parent> parents, List<Violation> v) {
        Optional<Parent> base = parents.stream().filter(p -> p.relation() == Relation.BASE_MODEL).findFirst();
        Optional<Parent> from = parents.stream().filter(p -> p.relation() == Relation.CONTINUED_FROM).findFirst();
        if (base.isEmpty() || from.isEmpty()) {
            return;
        }
        List<String> bases = parentIds(from.get().artifact(), Relation.BASE_MODEL);
        if (!bases.contains(base.get().artifact().id)) {
            v.add(new Violation("parents", "the continued_from adapter " + from.get().artifact().id
                    + " was trained on " + bases + ", not on the base_model " + base.get().artifact().id));
        }
    }

    /** The quantized variant a QLoRA run loaded must be a variant of the run's base model. */
    private void checkQuantizedBase(List<Parent> parents, List<Violation> v) {
        Optional<Parent> base = parents.stream().filter(p -> p.relation() == Relation.BASE_MODEL).findFirst();
        Optional<Parent> quantized = parents.stream().filter(p -> p.relation() == Relation.QUANTIZED_BASE).findFirst();
        if (base.isEmpty() || quantized.isEmpty()) {
            return;
        }
        List<String> sources = parentIds(quantized.get().artifact(), Relation.QUANTIZED_FROM);
        if (!sources.contains(base.get().artifact().id)) {
            v.add(new Violation("parents", "the quantized_base " + quantized.get().artifact().id
                    + " was quantized from " + sources + ", not from the base_model " + base.get().artifact().id));
        }
    }

    /** The ids of an artifact's parents by one relation. */
    private List<String> parentIds(ArtifactEntity child, Relation relation) {
        return edges.parentsOf(List.of(child.id)).stream().filter(e -> e.key.relation().equals(relation.wireName()))
                .map(e -> e.key.parentId()).toList();
    }
}
