package dev.loraforge.jobapi.service;

import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.ValidationError;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.events.ResultFile;
import dev.loraforge.jobapi.repository.TenantRepository;
import dev.loraforge.jobapi.rest.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Training files. An upload is checked line by line with the tuning engine's own rules (the ones
 * training applies: OpenAI chat format, prompt/completion, text); a file with errors is refused
 * whole, naming each bad line (up to {@value #MAX_REPORTED_ERRORS}), and nothing is stored. A good
 * file is streamed to artifact-store as a dataset artifact; job-api keeps its metadata.
 */
@ApplicationScoped
public class FileService {

    static final int MAX_REPORTED_ERRORS = 10;
    /** The purpose of uploaded training and validation files. */
    public static final String FINE_TUNE = "fine-tune";
    /** The purpose of a job's result file (OpenAI's {@code step_metrics.csv}); made by job-api, never uploaded. */
    public static final String FINE_TUNE_RESULTS = "fine-tune-results";

    private final FileRepository files;
    private final TenantRepository tenants;
    private final ArtifactStoreClient store;

    public FileService(FileRepository files, TenantRepository tenants, ArtifactStoreClient store) {
        this.files = files;
        this.tenants = tenants;
        this.store = store;
    }

    public FileEntity upload(String tenantId, String filename, String purpose, Path content) {
        long size = size(content);
        long limit = QuarkusTransaction.requiringNew().call(() -> tenants.findById(tenantId).maxFileBytes);
        if (size > limit) {
            throw ApiException.invalid("The file has " + size + " bytes; this tenant's limit is " + limit
                    + " bytes. Split the file or ask the operator to raise max_file_bytes.", "file");
        }
        if (!FINE_TUNE.equals(purpose)) {
            throw ApiException.invalid("purpose must be 'fine-tune', got '" + purpose + "'", "purpose");
        }
        DatasetValidator.Result checked = validate(content);
        if (!checked.valid()) {
            throw ApiException.invalid("Invalid training file '" + filename + "': " + checked.errors().stream()
                    .map(ValidationError::toString).collect(Collectors.joining("; ")), "file");
        }
        ArtifactStoreClient.Blob blob = store.putBlob(content);
        String fileId = Ids.next("file");
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("file_id", fileId);
        metadata.put("filename", filename);
        metadata.put("purpose", purpose);
        metadata.put("format", checked.format().name().toLowerCase());
        metadata.put("examples", checked.examples().size());
        String artifactId = store.registerArtifact(fileId, "dataset", filename, blob.digest(), tenantId, null, metadata,
                List.of());

        FileEntity file = new FileEntity();
        file.id = fileId;
        file.tenantId = tenantId;
        file.filename = filename;
        file.purpose = purpose;
        file.bytes = blob.size();
        file.digest = blob.digest();
        file.artifactId = artifactId;
        file.format = checked.format().name().toLowerCase();
        file.examples = checked.examples().size();
        file.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        QuarkusTransaction.requiringNew().run(() -> files.persist(file));
        return file;
    }

    /**
     * Records a succeeded job's result file (already stored in artifact-store by the trainer) as a file of the
     * job's tenant; joins the caller's transaction.
     *
     * @param adapterArtifactId the adapter artifact whose training the file describes (its metadata names the file)
     */
    public FileEntity addResultFile(JobEntity job, ResultFile result, String adapterArtifactId) {
        FileEntity file = new FileEntity();
        file.id = Ids.next("file");
        file.tenantId = job.tenantId;
        file.filename = result.filename();
        file.purpose = FINE_TUNE_RESULTS;
        file.bytes = result.bytes();
        file.digest = result.digest();
        file.artifactId = adapterArtifactId;
        file.format = "csv";
        file.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        files.persist(file);
        return file;
    }

    private static DatasetValidator.Result validate(Path content) {
        try (InputStream in = Files.newInputStream(content)) {
            return DatasetValidator.parse(in, MAX_REPORTED_ERRORS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
