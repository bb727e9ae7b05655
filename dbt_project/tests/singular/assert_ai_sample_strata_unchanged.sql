-- The labelled sample is weighted by the strata it was drawn from; a labelled row that now falls in
-- another stratum means the sampling frame (macro ai_frame_stratum) moved and the weights are wrong.
select source, company, event_date, url, frame_stratum, current_frame_stratum
from {{ ref('ai_attribution_sample') }}
where sample = 'tune' and source_event_id is not null
    and current_frame_stratum <> frame_stratum
