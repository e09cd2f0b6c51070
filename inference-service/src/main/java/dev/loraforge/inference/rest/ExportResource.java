package dev.loraforge.inference.rest;

import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.inference.ModelExport;
import dev.loraforge.inference.service.ExportService;
import dev.loraforge.inference.service.InferenceException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.regex.Pattern;

/**
 * {@code GET /internal/v1/exports/{format}}: a fine-tuned model folded into its base, as {@link ModelExport} describes
 * (job-api's {@code GET /v1/fine_tuning/jobs/{id}/adapter?format=merged|gguf}). The first request makes it (the
 * merge, then the GGUF conversion: seconds for small models, minutes for large ones); later ones, and ranges of it,
 * read the file.
 */
@Path(ModelExport.PATH)
public class ExportResource {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:/-]{1,256}");

    private final ExportService exports;

    public ExportResource(ExportService exports) {
        this.exports = exports;
    }

    @GET
    @Path("/{format}")
    @Blocking
    public Response export(@PathParam("format") String format,
                           @QueryParam(ModelExport.BASE_DIGEST) String baseDigest,
                           @QueryParam(ModelExport.BASE_MODEL) String baseModel,
                           @QueryParam(ModelExport.ADAPTER_DIGEST) String adapterDigest,
                           @QueryParam(ModelExport.NAME) String name,
                           @HeaderParam(GenerateResource.TENANT_HEADER) String tenantHeader,
                           @HeaderParam(ByteRange.RANGE) String rangeHeader) throws IOException {
        ExportService.Format f = ExportService.Format.parse(format);
        digest(baseDigest, ModelExport.BASE_DIGEST);
        digest(adapterDigest, ModelExport.ADAPTER_DIGEST);
        text(baseModel, ModelExport.BASE_MODEL);
        text(name, ModelExport.NAME);
        String tenant = GenerateResource.tenant(tenantHeader);
        ExportService.Export export = exports.export(baseDigest, baseModel, adapterDigest, f, tenant,
                name == null ? baseModel : name);
        ByteRange range;
        try {
            range = ByteRange.parse(rangeHeader, export.size()).orElse(null);
        } catch (ByteRange.Unsatisfiable e) {
            return Response.status(416).type(Problem.MEDIA_TYPE).entity(Problem.of(416, "range-not-satisfiable",
                    e.getMessage()).withCode("range_not_satisfiable", "Range"))
                    .header(ByteRange.CONTENT_RANGE, e.contentRange()).build();
        }
        long first = range == null ? 0 : range.first();
        long length = range == null ? export.size() : range.length();
        FileChannel channel = FileChannel.open(export.file()); // opened now: a later prune cannot take it away
        StreamingOutput body = out -> {
            try (channel; InputStream in = Channels.newInputStream(channel.position(first))) {
                byte[] buf = new byte[1 << 16];
                long left = length;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException("the export ended " + left + " bytes early");
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
        };
        Response.ResponseBuilder answer = Response.status(range == null ? 200 : 206).entity(body)
                .type(f.mediaType())
                .header(HttpHeaders.CONTENT_LENGTH, length)
                .header(ByteRange.ACCEPT_RANGES, "bytes");
        return range == null ? answer.build() : answer.header(ByteRange.CONTENT_RANGE, range.contentRange()).build();
    }

    private static void digest(String value, String param) {
        if (value == null || !GenerateResource.DIGEST.matcher(value).matches()) {
            throw InferenceException.invalid(param, param + " must be sha256:<64 hex digits>, got " + value);
        }
    }

    private static void text(String value, String param) {
        if (value != null && !NAME.matcher(value).matches()) {
            throw InferenceException.invalid(param, param + " must be 1 to 256 letters, digits or ._:/- characters");
        }
    }
}
