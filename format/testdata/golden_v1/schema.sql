CREATE TABLE public.metrics ("time" timestamptz NOT NULL, device int, value double precision);
