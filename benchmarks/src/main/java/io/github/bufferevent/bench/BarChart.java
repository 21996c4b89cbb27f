package io.github.bufferevent.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** A horizontal bar chart of ratios with a 1.0 reference line, drawn with Java2D (no dependency). */
final class BarChart {

    private BarChart() {
    }

    static void write(Path file, Map<String, Double> ratios) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int rowHeight = 34;
        int width = 900;
        int left = 300;
        int right = 70;
        int top = 50;
        int height = top + rowHeight * ratios.size() + 40;
        double max = Math.max(1.5, ratios.values().stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(1.5) * 1.1);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(30, 30, 30));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("bufferevent ÷ reference (higher is better; 1.0 = equal)", 20, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int plot = width - left - right;
        int one = left + (int) (plot * 1.0 / max);
        int bottom = top + rowHeight * ratios.size();
        g.setColor(new Color(90, 90, 90));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(one, top - 4, one, bottom + 4);
        g.drawString("1.0", one - 8, bottom + 22);
        g.setStroke(new BasicStroke(1f));
        int y = top;
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            double v = e.getValue();
            int bar = Double.isFinite(v) ? (int) (plot * Math.min(v, max) / max) : 0;
            g.setColor(v >= 1.0 ? new Color(46, 160, 100) : v >= 0.8 ? new Color(230, 160, 40) : new Color(210, 70, 60));
            g.fillRect(left, y + 6, bar, rowHeight - 12);
            g.setColor(new Color(30, 30, 30));
            g.drawString(e.getKey(), 12, y + rowHeight / 2 + 5);
            String label = String.format(Locale.ROOT, "%.2f×", v);
            int lw = g.getFontMetrics().stringWidth(label);
            g.setColor(Color.WHITE);
            g.fillRect(left + bar + 3, y + rowHeight / 2 - 9, lw + 6, 18);
            g.setColor(new Color(30, 30, 30));
            g.drawString(label, left + bar + 6, y + rowHeight / 2 + 5);
            y += rowHeight;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
