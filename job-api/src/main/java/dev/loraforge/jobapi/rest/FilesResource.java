package dev.loraforge.jobapi.rest;

import dev.loraforge.jobapi.mapping.ApiObjects.FileObject;
import dev.loraforge.jobapi.mapping.JobMapper;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.service.FileService;
import dev.loraforge.jobapi.auth.CallerTenant;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** {@code /v1/files}: training files, as OpenAI's Files API. */
@Path("/v1/files")
@Produces(MediaType.APPLICATION_JSON)
public class FilesResource {

    /** Longest filename kept, as file systems allow. */
    static final int MAX_FILENAME = 255;

    private final FileService service;
    private final FileRepository files;
    private final JobMapper mapper;
    private final CallerTenant caller;

    public FilesResource(FileService service, FileRepository files, JobMapper mapper, CallerTenant caller) {
        this.service = service;
        this.files = files;
        this.mapper = mapper;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public FileObject upload(@RestForm("file") FileUpload file, @RestForm("purpose") String purpose) {
        if (file == null) {
            throw ApiException.invalid("a 'file' part is required (multipart/form-data)", "file");
        }
        if (file.fileName() == null || file.fileName().isBlank()) {
            throw ApiException.invalid("the 'file' part needs a filename (Content-Disposition: form-data; name=\"file\";"
                    + " filename=\"train.jsonl\")", "file");
        }
        if (file.fileName().length() > MAX_FILENAME) {
            throw ApiException.invalid("the filename is " + file.fileName().length() + " characters long; at most "
                    + MAX_FILENAME + " are kept: shorten it", "file");
        }
        if (ControlCharacterFilter.firstControl(file.fileName()) >= 0) {
            throw ApiException.invalid("the filename contains a control character: remove it", "file");
        }
        if (purpose == null || purpose.isBlank()) {
            throw ApiException.invalid("'purpose' is required; use 'fine-tune'", "purpose");
        }
        return mapper.file(service.upload(caller.id(), file.fileName(), purpose, file.uploadedFile()));
    }

    @GET
    @Path("/{fileId}")
    public FileObject retrieve(@PathParam("fileId") String fileId) {
        return files.findForTenant(caller.id(), fileId).map(mapper::file)
                .orElseThrow(() -> ApiException.notFound("file", fileId, "file_id"));
    }
}
